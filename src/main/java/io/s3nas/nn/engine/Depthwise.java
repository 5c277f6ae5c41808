package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Depthwise k×k convolution on NHWC float arrays with TensorFlow 'SAME' padding (the extra pad row
 * or column goes to the bottom/right). It works on a channel view: channels {@code [co, co+cl)}
 * of tensors whose pixels are {@code cs} channels apart, so each MixConv branch convolves its own
 * channel group in place and the branch outputs land directly in the concatenated tensor.
 * Weights are {@code [k][k][cl]}. SIMD runs over contiguous channels; tap bounds are clipped once
 * per output pixel, and four interior pixels share each weight load.
 */
public final class Depthwise {
  private Depthwise() {}

  /** Geometry of one call. */
  public record Shape(int n, int h, int w, int cs, int co, int cl, int k, int stride) {
    public Shape {
      if (co < 0 || cl < 1 || co + cl > cs || k < 1 || stride < 1) {
        throw new IllegalArgumentException("bad depthwise shape " + this);
      }
    }

    public static Shape of(int n, int h, int w, int c, int k, int stride) {
      return new Shape(n, h, w, c, 0, c, k, stride);
    }

    int oh() {
      return outSize(h, stride);
    }

    int ow() {
      return outSize(w, stride);
    }

    int pt() {
      return padBefore(h, k, stride);
    }

    int pl() {
      return padBefore(w, k, stride);
    }
  }

  public static int outSize(int in, int stride) {
    return (in + stride - 1) / stride;
  }

  static int padBefore(int in, int k, int stride) {
    int out = outSize(in, stride);
    int total = Math.max((out - 1) * stride + k - in, 0);
    return total / 2;
  }

  /** Convenience for a whole tensor: channels [0, c). */
  public static void forward(Parallel par, float[] x, int n, int h, int w, int c, float[] wt, int k, int stride, float[] y) {
    forward(par, x, Shape.of(n, h, w, c, k, stride), wt, y);
  }

  /** y[..., co:co+cl] = depthwise(x[..., co:co+cl]); other channels of y are untouched. */
  public static void forward(Parallel par, float[] x, Shape s, float[] wt, float[] y) {
    int oh = s.oh();
    par.forRange(s.n() * oh, (t, from, to) -> {
      for (int row = from; row < to; row++) {
        forwardRow(x, s, wt, y, row / oh, row % oh);
      }
    });
  }

  private static void forwardRow(float[] x, Shape s, float[] wt, float[] y, int b, int oy) {
    int k = s.k();
    int st = s.stride();
    int ow = s.ow();
    int pl = s.pl();
    int ky0 = Math.max(0, s.pt() - oy * st);
    int ky1 = Math.min(k, s.h() + s.pt() - oy * st);
    int ox = 0;
    while (ox < ow) {
      if (ox + 3 < ow && ox * st - pl >= 0 && (ox + 3) * st + k - 1 - pl < s.w()) {
        quad(x, s, wt, y, b, oy, ox, ky0, ky1);
        ox += 4;
      } else {
        single(x, s, wt, y, b, oy, ox, ky0, ky1, 0);
        ox++;
      }
    }
  }

  private static int pixel(Shape s, int b, int y, int x) {
    return ((b * s.h() + y) * s.w() + x) * s.cs() + s.co();
  }

  private static int outPixel(Shape s, int b, int y, int x) {
    return ((b * s.oh() + y) * s.ow() + x) * s.cs() + s.co();
  }

  private static void single(float[] x, Shape s, float[] wt, float[] y, int b, int oy, int ox, int ky0, int ky1, int j0) {
    int k = s.k();
    int st = s.stride();
    int cl = s.cl();
    int kx0 = Math.max(0, s.pl() - ox * st);
    int kx1 = Math.min(k, s.w() + s.pl() - ox * st);
    int yo = outPixel(s, b, oy, ox);
    for (int j = j0; j < cl; j += Vec.L) {
      VectorMask<Float> m = Vec.maskOrNull(j, cl);
      FloatVector acc = FloatVector.zero(Vec.S);
      for (int ky = ky0; ky < ky1; ky++) {
        int iy = oy * st + ky - s.pt();
        for (int kx = kx0; kx < kx1; kx++) {
          int xo = pixel(s, b, iy, ox * st + kx - s.pl()) + j;
          acc = Vec.load(x, xo, m).fma(Vec.load(wt, (ky * k + kx) * cl + j, m), acc);
        }
      }
      Vec.store(acc, y, yo + j, m);
    }
  }

  private static void quad(float[] x, Shape s, float[] wt, float[] y, int b, int oy, int ox, int ky0, int ky1) {
    int k = s.k();
    int st = s.stride();
    int cl = s.cl();
    int cs = s.cs();
    int step = st * cs;
    int yo = outPixel(s, b, oy, ox);
    int j = 0;
    for (; j + Vec.L <= cl; j += Vec.L) {
      FloatVector a0 = FloatVector.zero(Vec.S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int ky = ky0; ky < ky1; ky++) {
        int rowBase = pixel(s, b, oy * st + ky - s.pt(), ox * st - s.pl()) + j;
        int wBase = ky * k * cl + j;
        for (int kx = 0; kx < k; kx++) {
          FloatVector wv = FloatVector.fromArray(Vec.S, wt, wBase + kx * cl);
          int xo = rowBase + kx * cs;
          a0 = FloatVector.fromArray(Vec.S, x, xo).fma(wv, a0);
          a1 = FloatVector.fromArray(Vec.S, x, xo + step).fma(wv, a1);
          a2 = FloatVector.fromArray(Vec.S, x, xo + 2 * step).fma(wv, a2);
          a3 = FloatVector.fromArray(Vec.S, x, xo + 3 * step).fma(wv, a3);
        }
      }
      a0.intoArray(y, yo + j);
      a1.intoArray(y, yo + cs + j);
      a2.intoArray(y, yo + 2 * cs + j);
      a3.intoArray(y, yo + 3 * cs + j);
    }
    for (int q = 0; q < 4 && j < cl; q++) {
      single(x, s, wt, y, b, oy, ox + q, ky0, ky1, j);
    }
  }

  /** Convenience for a whole tensor; dx and dw are overwritten. */
  public static void backward(Parallel par, float[] x, int n, int h, int w, int c, float[] wt, int k, int stride,
                              float[] dy, float[] dx, float[] dw, float[][] scratch) {
    java.util.Arrays.fill(dx, 0, n * h * w * c, 0f);
    backward(par, x, Shape.of(n, h, w, c, k, stride), wt, dy, dx, dw, scratch);
  }

  /**
   * Accumulates the input gradient into dx's channel view (the caller zeroes dx) and overwrites
   * dw, reduced over per-thread partials in {@code scratch} (each ≥ k·k·cl). Threads own whole
   * images, so their dx writes never overlap.
   */
  public static void backward(Parallel par, float[] x, Shape s, float[] wt, float[] dy, float[] dx, float[] dw,
                              float[][] scratch) {
    int kk = s.k() * s.k() * s.cl();
    par.forRange(s.n(), (t, from, to) -> {
      float[] acc = scratch[t];
      java.util.Arrays.fill(acc, 0, kk, 0f);
      for (int b = from; b < to; b++) {
        for (int oy = 0; oy < s.oh(); oy++) {
          backwardRow(x, s, wt, dy, dx, acc, b, oy);
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

  private static void backwardRow(float[] x, Shape s, float[] wt, float[] dy, float[] dx, float[] acc, int b, int oy) {
    int k = s.k();
    int st = s.stride();
    int cl = s.cl();
    int ky0 = Math.max(0, s.pt() - oy * st);
    int ky1 = Math.min(k, s.h() + s.pt() - oy * st);
    for (int ox = 0; ox < s.ow(); ox++) {
      int yo = outPixel(s, b, oy, ox);
      int kx0 = Math.max(0, s.pl() - ox * st);
      int kx1 = Math.min(k, s.w() + s.pl() - ox * st);
      for (int j = 0; j < cl; j += Vec.L) {
        VectorMask<Float> m = Vec.maskOrNull(j, cl);
        FloatVector g = Vec.load(dy, yo + j, m);
        for (int ky = ky0; ky < ky1; ky++) {
          int iy = oy * st + ky - s.pt();
          for (int kx = kx0; kx < kx1; kx++) {
            int xo = pixel(s, b, iy, ox * st + kx - s.pl()) + j;
            int wo = (ky * k + kx) * cl + j;
            Vec.store(g.fma(Vec.load(wt, wo, m), Vec.load(dx, xo, m)), dx, xo, m);
            Vec.store(g.fma(Vec.load(x, xo, m), Vec.load(acc, wo, m)), acc, wo, m);
          }
        }
      }
    }
  }
}
