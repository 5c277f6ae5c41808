package io.s3nas.nn.infer;

import io.s3nas.space.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.factory.Nd4j;

/** Squeeze-and-excitation (docs/method.md §9): GAP, 1x1 reduce + act, 1x1 expand + gate, scale in place. */
final class SeLayer implements Layer {
  private final INDArray reduceW;
  private final INDArray reduceB;
  private final INDArray expandW;
  private final INDArray expandB;
  private final Activation inner;
  private final Activation gate;

  SeLayer(INDArray reduceW, INDArray reduceB, INDArray expandW, INDArray expandB, Activation inner, Activation gate) {
    this.reduceW = reduceW;
    this.reduceB = reduceB;
    this.expandW = expandW;
    this.expandB = expandB;
    this.inner = inner;
    this.gate = gate;
  }

  @Override
  public INDArray compile(Plan plan, INDArray x) {
    long n = x.size(0);
    INDArray pooled = plan.alloc(n, x.size(1));
    plan.exec(new Mean(x, pooled, false, 2, 3));
    INDArray s = dense(plan, pooled, reduceW, reduceB);
    Activations.compile(plan, s, inner);
    INDArray g = dense(plan, s, expandW, expandB);
    Activations.compile(plan, g, gate);
    plan.exec(new BroadcastMulOp(x, g, x, 0, 1));
    return x;
  }

  static INDArray dense(Plan plan, INDArray in, INDArray w, INDArray b) {
    INDArray out = plan.alloc(in.size(0), w.size(1));
    plan.step(() -> Nd4j.gemm(in, w, out, false, false, 1.0, 0.0));
    plan.exec(new BroadcastAddOp(out, b, out, 1));
    return out;
  }
}
