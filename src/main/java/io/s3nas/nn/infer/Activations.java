package io.s3nas.nn.infer;

import io.s3nas.space.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Relu6;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;

/** In-place activations as plan steps (docs/method.md §9: hsw = x·relu6(x+3)/6, hsigmoid = relu6(x+3)/6). */
final class Activations {
  private Activations() {}

  static void compile(Plan plan, INDArray x, Activation a) {
    switch (a) {
      case RELU -> plan.exec(new RectifiedLinear(x, x, 0.0));
      case RELU6 -> plan.exec(new Relu6(x, x, 0.0));
      case SIGMOID -> plan.exec(new Sigmoid(x, x));
      case SWISH -> plan.exec(new Swish(x, x));
      case HSIGMOID -> hardSigmoid(plan, x, x);
      case HSWISH -> {
        INDArray t = plan.alloc(x.shape());
        hardSigmoid(plan, x, t);
        plan.exec(new MulOp(x, t, x));
      }
    }
  }

  private static void hardSigmoid(Plan plan, INDArray x, INDArray out) {
    plan.exec(new ScalarAdd(x, null, out, 3.0));
    plan.exec(new Relu6(out, out, 0.0));
    plan.exec(new ScalarMultiplication(out, null, out, 1.0 / 6.0));
  }
}
