package io.s3nas.nn.infer;

import io.s3nas.space.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;

/**
 * Head conv, global average pooling, optional MobileNetV3-style feature mix on the pooled vector
 * (dense without BN, then the activation), classifier (dense with bias).
 */
final class HeadLayer implements Layer {
  private final Layer beforePool;
  private final INDArray[] mix;
  private final INDArray weights;
  private final INDArray bias;
  private final Activation act;

  HeadLayer(Layer beforePool, INDArray[] mix, INDArray weights, INDArray bias, Activation act) {
    this.beforePool = beforePool;
    this.mix = mix;
    this.weights = weights;
    this.bias = bias;
    this.act = act;
  }

  @Override
  public INDArray compile(Plan plan, INDArray x) {
    INDArray h = beforePool == null ? x : beforePool.compile(plan, x);
    long n = h.size(0);
    INDArray pooled = plan.alloc(n, h.size(1));
    plan.exec(new Mean(h, pooled, false, 2, 3));
    if (mix != null) {
      pooled = SeLayer.dense(plan, pooled, mix[0], mix[1]);
      Activations.compile(plan, pooled, act);
    }
    return SeLayer.dense(plan, pooled, weights, bias);
  }
}
