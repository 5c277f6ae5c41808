package io.s3nas.nn.engine;

import java.util.List;
import java.util.Random;

/**
 * The head (method.md §1.1): 1x1 conv to the feature-mix width, BN, ReLU, global average pool,
 * dropout, fully connected classifier with bias.
 */
final class HeadLayer {
  final int cin;
  final int features;
  final int classes;
  final int size;
  final double dropout;
  final Param mixW;
  final BnLayer bn;
  final Param fcW;
  final Param fcB;
  private float[] x;
  private float[] z;
  private float[] a;
  private float[] mask;
  private float[] pooled;
  private float[] dropMask;
  private float[] logits;
  private float[] dPooled;
  private float[] dx;
  private int batch;

  HeadLayer(int cin, int features, int classes, int size, double dropout, Random init, double eps, int threads) {
    this.cin = cin;
    this.features = features;
    this.classes = classes;
    this.size = size;
    this.dropout = dropout;
    this.mixW = new Param("head.conv", cin * features, true);
    Init.normal(mixW.value(), Math.sqrt(2.0 / features), init);
    this.bn = new BnLayer("head.bn", features, true, eps, threads);
    this.fcW = new Param("head.fc", features * classes, true);
    Init.uniform(fcW.value(), 1.0 / Math.sqrt(classes), init);
    this.fcB = new Param("head.fc.bias", classes, true);
  }

  List<Param> params() {
    return List.of(mixW, bn.gamma, bn.beta, fcW, fcB);
  }

  float[] forward(Parallel par, float[] input, int n, boolean training, double momentum, Random drop) {
    int p = n * size * size;
    if (n != batch) {
      batch = n;
      z = new float[p * features];
      a = new float[p * features];
      mask = new float[p * features];
      pooled = new float[n * features];
      dropMask = new float[n * features];
      logits = new float[n * classes];
      dPooled = new float[n * features];
      dx = new float[p * cin];
    }
    this.x = input;
    Gemm.forward(par, input, p, cin, mixW.value(), features, z);
    bn.forward(par, z, p, training, momentum, a, mask);
    int hw = size * size;
    java.util.Arrays.fill(pooled, 0f);
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < hw; i++) {
        int o = (b * hw + i) * features;
        for (int c = 0; c < features; c++) {
          pooled[b * features + c] += a[o + c];
        }
      }
    }
    float keep = (float) (1 - dropout);
    for (int i = 0; i < pooled.length; i++) {
      pooled[i] /= hw;
      dropMask[i] = training && dropout > 0 ? (drop.nextDouble() < keep ? 1f / keep : 0f) : 1f;
      pooled[i] *= dropMask[i];
    }
    Gemm.forward(par, pooled, n, features, fcW.value(), classes, logits);
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < classes; c++) {
        logits[b * classes + c] += fcB.value()[c];
      }
    }
    return logits;
  }

  /** Returns ∂L/∂input (the head's own buffer) from ∂L/∂logits. */
  float[] backward(Parallel par, float[] dLogits, Scratch s) {
    int n = batch;
    int p = n * size * size;
    int hw = size * size;
    float[] gfc = s.grad(fcW);
    Gemm.backwardWeight(par, pooled, n, features, dLogits, classes, gfc, s.partials(features * classes));
    SuperBlock.addInto(fcW.grad(), gfc);
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < classes; c++) {
        fcB.grad()[c] += dLogits[b * classes + c];
      }
    }
    Gemm.backwardInput(par, dLogits, n, classes, Gemm.transpose(fcW.value(), features, classes), features, dPooled);
    float[] da = s.take("head.da", p * features);
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < features; c++) {
        dPooled[b * features + c] *= dropMask[b * features + c] / hw;
      }
      for (int i = 0; i < hw; i++) {
        System.arraycopy(dPooled, b * features, da, (b * hw + i) * features, features);
      }
    }
    bn.backward(par, z, p, mask, da, da);
    float[] g = s.grad(mixW);
    Gemm.backwardWeight(par, x, p, cin, da, features, g, s.partials(cin * features));
    SuperBlock.addInto(mixW.grad(), g);
    Gemm.backwardInput(par, da, p, features, Gemm.transpose(mixW.value(), cin, features), cin, dx);
    return dx;
  }
}
