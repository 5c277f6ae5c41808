package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;

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

    /** Kernel rows [kyFrom, kyTo) that land inside the input for output row {@code oy}. */
    int kyFrom(int oy) {
      return Math.max(0, pt() - oy * stride);
    }

    int kyTo(int oy) {
      return Math.min(k, h + pt() - oy * stride);
    }

    /** Output columns [oxFrom, oxTo] whose kernel column {@code kx} lands inside the input. */
    int oxFrom(int kx) {
      return Math.max(0, -Math.floorDiv(kx - pl(), stride));
    }

    int oxTo(int kx) {
      return Math.min(ow() - 1, Math.floorDiv(w - 1 + pl() - kx, stride));
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
    forward(par, x, s, wt, y, null, null, false);
  }

  /**
   * As {@link #forward(Parallel, float[], Shape, float[], float[])}, then, when {@code scale} is
   * given, an inference BatchNorm ({@code y·scale + shift}, indexed by the tensor's channel) and
   * ReLU applied to each output row while it is still in L1, instead of a pass of their own over
   * the whole tensor.
   */
  public static void forward(Parallel par, float[] x, Shape s, float[] wt, float[] y, float[] scale, float[] shift,
                             boolean relu) {
    int oh = s.oh();
    par.forRange(s.n() * oh, (t, from, to) -> {
      for (int row = from; row < to; row++) {
        forwardRow(x, s, wt, y, row / oh, row % oh);
        if (scale != null) {
          affineRow(s, y, row / oh, row % oh, scale, shift, relu);
        }
      }
    });
  }

  /** One output row's channels co..co+cl: y·scale + shift, then ReLU when asked (full vectors, then scalars). */
  private static void affineRow(Shape s, float[] y, int b, int oy, float[] scale, float[] shift, boolean relu) {
    int cl = s.cl();
    int co = s.co();
    int full = cl - cl % Vec.L;
    int y0 = outPixel(s, b, oy, 0);
    FloatVector zero = FloatVector.zero(Vec.S);
    for (int ox = 0; ox < s.ow(); ox++) {
      int yi = y0 + ox * s.cs();
      for (int j = 0; j < full; j += Vec.L) {
        FloatVector v = FloatVector.fromArray(Vec.S, y, yi + j)
            .fma(FloatVector.fromArray(Vec.S, scale, co + j), FloatVector.fromArray(Vec.S, shift, co + j));
        (relu ? v.max(zero) : v).intoArray(y, yi + j);
      }
      for (int j = full; j < cl; j++) {
        float v = Math.fma(y[yi + j], scale[co + j], shift[co + j]); // one rounding, as the vector fma
        y[yi + j] = relu ? Math.max(v, 0f) : v;
      }
    }
  }

  /**
   * One output row, tap by tap: for each tap and channel vector the weight stays in a register
   * while the row's output pixels are updated in place (the row lives in L1). Every FMA is
   * independent, unlike a per-pixel sum over taps, whose single dependency chain measured 4x slower.
   * The centre tap goes first and writes the row ({@code x·w + 0}) when it reaches every output
   * pixel of the row, as it does with "same" padding away from the image's edge rows; otherwise the
   * row is zeroed first (zeroing took 8% of inference, docs/engine-measurements.md).
   */
  private static void forwardRow(float[] x, Shape s, float[] wt, float[] y, int b, int oy) {
    int k = s.k();
    int ow = s.ow();
    int c = k / 2;
    boolean centre = s.kyFrom(oy) <= c && c < s.kyTo(oy) && s.oxFrom(c) == 0 && s.oxTo(c) == ow - 1;
    int y0 = outPixel(s, b, oy, 0);
    if (centre) {
      tap(x, s, wt, y, b, oy, c, c, true);
    } else {
      for (int ox = 0; ox < ow; ox++) {
        java.util.Arrays.fill(y, y0 + ox * s.cs(), y0 + ox * s.cs() + s.cl(), 0f);
      }
    }
    for (int ky = s.kyFrom(oy); ky < s.kyTo(oy); ky++) {
      for (int kx = 0; kx < k; kx++) {
        if (!(centre && ky == c && kx == c)) {
          tap(x, s, wt, y, b, oy, ky, kx, false);
        }
      }
    }
  }

  /** One tap's products added into the row ({@code first}: written over it, as {@code x·w + 0}). */
  private static void tap(float[] x, Shape s, float[] wt, float[] y, int b, int oy, int ky, int kx, boolean first) {
    int lo = s.oxFrom(kx);
    int hi = s.oxTo(kx);
    if (lo > hi) {
      return;
    }
    int k = s.k();
    int st = s.stride();
    int cl = s.cl();
    int cs = s.cs();
    int pl = s.pl();
    int full = cl - cl % Vec.L;
    int half = halfTailEnd(cl, full);
    int y0 = outPixel(s, b, oy, 0);
    int iy = oy * st + ky - s.pt();
    int x0 = pixel(s, b, iy, 0);
    int wo = (ky * k + kx) * cl;
    int xs = x0 + (lo * st + kx - pl) * cs;
    int xstep = st * cs;
    FloatVector zero = FloatVector.zero(Vec.S);
    for (int j = 0; j < full; j += Vec.L) {
      FloatVector wv = FloatVector.fromArray(Vec.S, wt, wo + j);
      int yi = y0 + lo * cs + j;
      int xi = xs + j;
      if (first) {
        for (int ox = lo; ox <= hi; ox++, yi += cs, xi += xstep) {
          FloatVector.fromArray(Vec.S, x, xi).fma(wv, zero).intoArray(y, yi);
        }
      } else {
        for (int ox = lo; ox <= hi; ox++, yi += cs, xi += xstep) {
          FloatVector.fromArray(Vec.S, x, xi).fma(wv, FloatVector.fromArray(Vec.S, y, yi)).intoArray(y, yi);
        }
      }
    }
    if (half > full) { // the usual tail: half a vector (Vec.H), loaded and stored unmasked
      int hl = half - full;
      FloatVector wv = Vec.load(wt, wo + full, hl);
      int yi = y0 + lo * cs + full;
      int xi = xs + full;
      for (int ox = lo; ox <= hi; ox++, yi += cs, xi += xstep) {
        Vec.store(Vec.load(x, xi, hl).fma(wv, first ? zero : Vec.load(y, yi, hl)), y, yi, hl);
      }
    }
    for (int j = half; j < cl; j++) {
      float wv = wt[wo + j];
      int yi = y0 + lo * cs + j;
      int xi = xs + j;
      for (int ox = lo; ox <= hi; ox++, yi += cs, xi += xstep) {
        y[yi] = Math.fma(x[xi], wv, first ? 0f : y[yi]);
      }
    }
  }

  /**
   * Where the half-width part of a channel tail ends: {@code full + H} when at least half a vector
   * of channels is left (channel counts are multiples of 8, so under AVX-512 the tail is nearly
   * always exactly half a vector), else {@code full}. What remains after it runs scalar.
   */
  private static int halfTailEnd(int cl, int full) {
    return Vec.H != null && cl - full >= Vec.H.length() ? full + Vec.H.length() : full;
  }

  private static int pixel(Shape s, int b, int y, int x) {
    return ((b * s.h() + y) * s.w() + x) * s.cs() + s.co();
  }

  private static int outPixel(Shape s, int b, int y, int x) {
    return ((b * s.oh() + y) * s.ow() + x) * s.cs() + s.co();
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

  /**
   * One output row of the backward pass, tap by tap like the forward: per tap and channel vector
   * the weight and the weight-gradient sum stay in registers across the row's pixels.
   */
  private static void backwardRow(float[] x, Shape s, float[] wt, float[] dy, float[] dx, float[] acc, int b, int oy) {
    int k = s.k();
    int st = s.stride();
    int cl = s.cl();
    int cs = s.cs();
    int ow = s.ow();
    int pl = s.pl();
    int full = cl - cl % Vec.L;
    int half = halfTailEnd(cl, full);
    int y0 = outPixel(s, b, oy, 0);
    for (int ky = s.kyFrom(oy); ky < s.kyTo(oy); ky++) {
      int x0 = pixel(s, b, oy * st + ky - s.pt(), 0);
      for (int kx = 0; kx < k; kx++) {
        int lo = s.oxFrom(kx);
        int hi = s.oxTo(kx);
        if (lo > hi) {
          continue;
        }
        int wo = (ky * k + kx) * cl;
        int xs = x0 + (lo * st + kx - pl) * cs;
        int xstep = st * cs;
        for (int j = 0; j < full; j += Vec.L) {
          FloatVector wv = FloatVector.fromArray(Vec.S, wt, wo + j);
          FloatVector gw = FloatVector.zero(Vec.S);
          int yi = y0 + lo * cs + j;
          int xi = xs + j;
          for (int ox = lo; ox <= hi; ox++, yi += cs, xi += xstep) {
            FloatVector g = FloatVector.fromArray(Vec.S, dy, yi);
            g.fma(wv, FloatVector.fromArray(Vec.S, dx, xi)).intoArray(dx, xi);
            gw = g.fma(FloatVector.fromArray(Vec.S, x, xi), gw);
          }
          gw.add(FloatVector.fromArray(Vec.S, acc, wo + j)).intoArray(acc, wo + j);
        }
        if (half > full) {
          int hl = half - full;
          FloatVector wv = Vec.load(wt, wo + full, hl);
          FloatVector gw = FloatVector.zero(Vec.S);
          int yi = y0 + lo * cs + full;
          int xi = xs + full;
          for (int ox = lo; ox <= hi; ox++, yi += cs, xi += xstep) {
            FloatVector g = Vec.load(dy, yi, hl);
            Vec.store(g.fma(wv, Vec.load(dx, xi, hl)), dx, xi, hl);
            gw = g.fma(Vec.load(x, xi, hl), gw);
          }
          Vec.store(gw.add(Vec.load(acc, wo + full, hl)), acc, wo + full, hl);
        }
        for (int j = half; j < cl; j++) {
          float wv = wt[wo + j];
          float gw = 0;
          int yi = y0 + lo * cs + j;
          int xi = xs + j;
          for (int ox = lo; ox <= hi; ox++, yi += cs, xi += xstep) {
            float g = dy[yi];
            dx[xi] += g * wv;
            gw += g * x[xi];
          }
          acc[wo + j] += gw;
        }
      }
    }
  }
}
