package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Depthwise k×k convolution on NHWC float arrays with TensorFlow 'SAME' padding (the extra pad row
 * or column goes to the bottom/right). Weights are {@code [k][k][C]}. SIMD runs over contiguous
 * channels; tap bounds are clipped once per output pixel instead of tested per tap.
 */
public final class Depthwise {
  private Depthwise() {}

  public static int outSize(int in, int stride) {
    return (in + stride - 1) / stride;
  }

  static int padBefore(int in, int k, int stride) {
    int out = outSize(in, stride);
    int total = Math.max((out - 1) * stride + k - in, 0);
    return total / 2;
  }

  public static void forward(Parallel par, float[] x, int n, int h, int w, int c, float[] wt, int k, int stride, float[] y) {
    int oh = outSize(h, stride);
    int ow = outSize(w, stride);
    int pt = padBefore(h, k, stride);
    int pl = padBefore(w, k, stride);
    par.forRange(n * oh, (t, from, to) -> {
      for (int row = from; row < to; row++) {
        forwardRow(x, h, w, c, wt, k, stride, y, oh, ow, pt, pl, row / oh, row % oh);
      }
    });
  }

  private static void forwardRow(float[] x, int h, int w, int c, float[] wt, int k, int stride, float[] y,
                                 int oh, int ow, int pt, int pl, int b, int oy) {
    int ky0 = Math.max(0, pt - oy * stride);
    int ky1 = Math.min(k, h + pt - oy * stride);
    int ox = 0;
    while (ox < ow) {
      // four interior pixels at once: four independent FMA chains share each weight load
      if (ox + 3 < ow && ox * stride - pl >= 0 && (ox + 3) * stride + k - 1 - pl < w) {
        quad(x, b, h, w, c, wt, k, stride, oy, ox, ky0, ky1, pt, pl, y, ((b * oh + oy) * ow + ox) * c);
        ox += 4;
        continue;
      }
      single(x, b, h, w, c, wt, k, stride, oy, ox, ky0, ky1, pt, pl, y, ((b * oh + oy) * ow + ox) * c, 0);
      ox++;
    }
  }

  private static void single(float[] x, int b, int h, int w, int c, float[] wt, int k, int stride, int oy, int ox,
                             int ky0, int ky1, int pt, int pl, float[] y, int yo, int j0) {
    int kx0 = Math.max(0, pl - ox * stride);
    int kx1 = Math.min(k, w + pl - ox * stride);
    for (int j = j0; j < c; j += Vec.L) {
      VectorMask<Float> m = Vec.maskOrNull(j, c);
      FloatVector acc = FloatVector.zero(Vec.S);
      for (int ky = ky0; ky < ky1; ky++) {
        int iy = oy * stride + ky - pt;
        for (int kx = kx0; kx < kx1; kx++) {
          int ix = ox * stride + kx - pl;
          int xo = ((b * h + iy) * w + ix) * c + j;
          int wo = (ky * k + kx) * c + j;
          acc = Vec.load(x, xo, m).fma(Vec.load(wt, wo, m), acc);
        }
      }
      Vec.store(acc, y, yo + j, m);
    }
  }

  private static void quad(float[] x, int b, int h, int w, int c, float[] wt, int k, int stride, int oy, int ox,
                           int ky0, int ky1, int pt, int pl, float[] y, int yo) {
    int step = stride * c;
    int j = 0;
    for (; j + Vec.L <= c; j += Vec.L) {
      FloatVector a0 = FloatVector.zero(Vec.S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int ky = ky0; ky < ky1; ky++) {
        int rowBase = ((b * h + oy * stride + ky - pt) * w + ox * stride - pl) * c + j;
        int wBase = ky * k * c + j;
        for (int kx = 0; kx < k; kx++) {
          FloatVector wv = FloatVector.fromArray(Vec.S, wt, wBase + kx * c);
          int xo = rowBase + kx * c;
          a0 = FloatVector.fromArray(Vec.S, x, xo).fma(wv, a0);
          a1 = FloatVector.fromArray(Vec.S, x, xo + step).fma(wv, a1);
          a2 = FloatVector.fromArray(Vec.S, x, xo + 2 * step).fma(wv, a2);
          a3 = FloatVector.fromArray(Vec.S, x, xo + 3 * step).fma(wv, a3);
        }
      }
      a0.intoArray(y, yo + j);
      a1.intoArray(y, yo + c + j);
      a2.intoArray(y, yo + 2 * c + j);
      a3.intoArray(y, yo + 3 * c + j);
    }
    for (int q = 0; q < 4 && j < c; q++) {
      single(x, b, h, w, c, wt, k, stride, oy, ox + q, ky0, ky1, pt, pl, y, yo + q * c, j);
    }
  }

  /**
   * dx (overwritten) and dw (overwritten, reduced over per-thread partials in {@code scratch},
   * each at least k·k·C long). Threads own whole images, so their dx writes never overlap.
   */
  public static void backward(Parallel par, float[] x, int n, int h, int w, int c, float[] wt, int k, int stride,
                              float[] dy, float[] dx, float[] dw, float[][] scratch) {
    int oh = outSize(h, stride);
    int ow = outSize(w, stride);
    int pt = padBefore(h, k, stride);
    int pl = padBefore(w, k, stride);
    int kk = k * k * c;
    par.forRange(n, (t, from, to) -> {
      float[] acc = scratch[t];
      java.util.Arrays.fill(acc, 0, kk, 0f);
      java.util.Arrays.fill(dx, from * h * w * c, to * h * w * c, 0f);
      for (int b = from; b < to; b++) {
        for (int oy = 0; oy < oh; oy++) {
          int ky0 = Math.max(0, pt - oy * stride);
          int ky1 = Math.min(k, h + pt - oy * stride);
          for (int ox = 0; ox < ow; ox++) {
            int yo = ((b * oh + oy) * ow + ox) * c;
            int kx0 = Math.max(0, pl - ox * stride);
            int kx1 = Math.min(k, w + pl - ox * stride);
            for (int j = 0; j < c; j += Vec.L) {
              VectorMask<Float> m = Vec.maskOrNull(j, c);
              FloatVector g = Vec.load(dy, yo + j, m);
              for (int ky = ky0; ky < ky1; ky++) {
                int iy = oy * stride + ky - pt;
                for (int kx = kx0; kx < kx1; kx++) {
                  int ix = ox * stride + kx - pl;
                  int xo = ((b * h + iy) * w + ix) * c + j;
                  int wo = (ky * k + kx) * c + j;
                  Vec.store(g.fma(Vec.load(wt, wo, m), Vec.load(dx, xo, m)), dx, xo, m);
                  Vec.store(g.fma(Vec.load(x, xo, m), Vec.load(acc, wo, m)), acc, wo, m);
                }
              }
            }
          }
        }
      }
    });
    java.util.Arrays.fill(dw, 0, kk, 0f);
    for (int t = 0; t < par.threads(); t++) {
      float[] acc = scratch[t];
      for (int i = 0; i < kk; i++) {
        dw[i] += acc[i];
      }
    }
  }
}
