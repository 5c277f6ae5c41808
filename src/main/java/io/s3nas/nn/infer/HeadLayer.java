package io.s3nas.nn.infer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;

/** Head conv, global average pooling, optional post-pool conv, classifier (Dense with bias). */
final class HeadLayer implements Layer {
  private final Layer beforePool;
  private final Layer afterPool;
  private final INDArray weights;
  private final INDArray bias;

  HeadLayer(Layer beforePool, Layer afterPool, INDArray weights, INDArray bias) {
    this.beforePool = beforePool;
    this.afterPool = afterPool;
    this.weights = weights;
    this.bias = bias;
  }

  @Override
  public INDArray compile(Plan plan, INDArray x) {
    INDArray h = beforePool == null ? x : beforePool.compile(plan, x);
    long n = h.size(0);
    INDArray pooled = plan.alloc(n, h.size(1));
    plan.exec(new Mean(h, pooled, false, 2, 3));
    if (afterPool != null) {
      INDArray mixed = afterPool.compile(plan, pooled.reshape(n, h.size(1), 1, 1));
      pooled = mixed.reshape(n, mixed.size(1));
    }
    return SeLayer.dense(plan, pooled, weights, bias);
  }
}
