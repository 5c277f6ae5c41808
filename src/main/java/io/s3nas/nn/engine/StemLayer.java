package io.s3nas.nn.engine;

import java.util.List;
import java.util.Random;

/**
 * The stem: a k×k convolution with stride and 'SAME' padding from the image channels, as
 * im2col + GEMM, then BN and ReLU. The input image needs no gradient, so the backward pass only
 * produces the weight gradient.
 */
final class StemLayer {
  final int cin;
  final int cout;
  final int k;
  final int stride;
  final int size;
  final int outSize;
  final Param weight;
  final BnLayer bn;
  private float[] col;
  private float[] z;
  private float[] y;
  private float[] mask;
  private int batch;

  StemLayer(int cin, int cout, int k, int stride, int size, Random init, double eps, int threads) {
    this.cin = cin;
    this.cout = cout;
    this.k = k;
    this.stride = stride;
    this.size = size;
    this.outSize = Depthwise.outSize(size, stride);
    this.weight = new Param("stem.conv", k * k * cin * cout, true);
    Init.normal(weight.value(), Math.sqrt(2.0 / (k * k * cout)), init);
    this.bn = new BnLayer("stem.bn", cout, true, eps, threads);
  }

  List<Param> params() {
    return List.of(weight, bn.gamma, bn.beta);
  }

  float[] forward(Parallel par, float[] x, int n, boolean training, double momentum) {
    int pOut = n * outSize * outSize;
    int kc = k * k * cin;
    if (n != batch) {
      batch = n;
      col = new float[pOut * kc];
      z = new float[pOut * cout];
      y = new float[pOut * cout];
      mask = new float[pOut * cout];
    }
    int pad = Depthwise.padBefore(size, k, stride);
    par.forRange(n * outSize, (t, from, to) -> {
      for (int row = from; row < to; row++) {
        int b = row / outSize;
        int oy = row % outSize;
        for (int ox = 0; ox < outSize; ox++) {
          int o = ((b * outSize + oy) * outSize + ox) * kc;
          for (int ky = 0; ky < k; ky++) {
            int iy = oy * stride + ky - pad;
            for (int kx = 0; kx < k; kx++) {
              int ix = ox * stride + kx - pad;
              int dst = o + (ky * k + kx) * cin;
              boolean inside = iy >= 0 && iy < size && ix >= 0 && ix < size;
              for (int c = 0; c < cin; c++) {
                col[dst + c] = inside ? x[((b * size + iy) * size + ix) * cin + c] : 0f;
              }
            }
          }
        }
      }
    });
    Gemm.forward(par, col, pOut, kc, weight.value(), cout, z);
    bn.forward(par, z, pOut, training, momentum, y, mask);
    return y;
  }

  void backward(Parallel par, float[] dy, Scratch s) {
    int pOut = batch * outSize * outSize;
    float[] dz = s.take("stem.dz", pOut * cout);
    bn.backward(par, z, pOut, mask, dy, dz);
    float[] g = s.grad(weight);
    Gemm.backwardWeight(par, col, pOut, k * k * cin, dz, cout, g, s.partials(k * k * cin * cout));
    SuperBlock.addInto(weight.grad(), g);
  }
}
