package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;

/**
 * Depthwise k×k convolution on NHWC float arrays with TensorFlow 'SAME' padding (the extra pad row
 * or column goes to the bottom/right). It works on a channel view: channels {@code [co, co+cl)}
 * of tensors whose pixels are {@code cs} channels apart, so each MixConv branch convolves its own
 * channel group in place and the branch outputs land directly in the concatenated tensor.
 * Weights are {@code [k][k][cl]}. SIMD runs over contiguous channels; the forward sums each output
 * in registers over its taps (four pixels sharing each weight load); the backward goes by input rows
 * at stride 1 ({@link DepthwiseGradient}) and tap by tap at stride 2.
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
    Taps taps = new Taps(s);
    // rows are independent: pieces balance the threads with the same floats
    par.forPieces(s.n() * s.oh(), (t, from, to) -> forwardRows(x, s, wt, y, scale, shift, relu, from, to,
        new RowScratch(s, taps)));
  }

  /**
   * Output pixels a chunk of {@link #forward(Parallel, float[], Shape[], float[][], float[], Gemm.Written)}
   * writes before it tells its consumer: as the product's {@link Gemm#GROUP} rows, a group still in
   * L1/L2 when read.
   */
  private static final int GROUP_PIXELS = 64;

  /**
   * The plain forward of a MixConv layer's branches (each its channel view of x and y, all of one
   * stride, together covering y's channels), and after each group of output rows every branch has
   * written (about {@value #GROUP_PIXELS} pixels, whole rows) {@code written} is told of their pixels
   * [from, to) while they are in cache: a training BatchNorm's statistics, which otherwise take a pass
   * of their own over the whole output (docs/engine-measurements.md, "2026-12-01 (afternoon)"). The
   * branches take turns on each group of rows rather than each on the whole batch: their input rows are
   * the same pixels' neighbouring channels, which the next branch then reads from L1/L2 rather than
   * from the last-level cache (docs/engine-measurements.md, "2026-12-01 (night)").
   */
  public static void forward(Parallel par, float[] x, Shape[] shapes, float[][] wt, float[] y, Gemm.Written written) {
    Shape s0 = shapes[0];
    Taps[] taps = new Taps[shapes.length];
    for (int b = 0; b < shapes.length; b++) {
      taps[b] = new Taps(shapes[b]);
    }
    int ow = s0.ow();
    int step = Math.max(1, GROUP_PIXELS / ow);
    par.forSlices(s0.n() * s0.oh(), (t, q, from, to) -> {
      RowScratch[] r = new RowScratch[shapes.length];
      for (int b = 0; b < shapes.length; b++) {
        r[b] = new RowScratch(shapes[b], taps[b]);
      }
      for (int g = from; g < to; g += step) {
        int g1 = Math.min(to, g + step);
        for (int b = 0; b < shapes.length; b++) {
          forwardRows(x, shapes[b], wt[b], y, null, null, false, g, g1, r[b]);
        }
        written.rows(t, q, g * ow, g1 * ow);
      }
    });
  }

  /**
   * An input read as act(x·scale + shift), per channel of the whole tensor, ReLU or no activation:
   * the output of a training BatchNorm that is never written whole (its consumer, this layer,
   * normalises each image as it reads it).
   */
  public record Normalised(float[] scale, float[] shift, boolean relu) {
    /** Image b of x (pixels rows of c channels) normalised into {@code out}. */
    void image(float[] x, int c, int b, int pixels, float[] out) {
      BatchNorm.affine(x, c, b * pixels, (b + 1) * pixels, scale, shift, relu, out, 0);
    }
  }

  /**
   * As {@link #forward(Parallel, float[], Shape[], float[][], float[], Gemm.Written)} with x read
   * normalised ({@code xn}), image by image: each image of x is normalised into {@code inputs[t]} on
   * thread t (at least {@link #inputImage} floats, the core's L2 holds it), then every branch's rows
   * of that image read it there. The BatchNorm that produced x then writes no output of its own: a
   * pass that read and wrote the block's widest tensor (docs/engine-measurements.md,
   * "2026-12-01 (late night)").
   */
  public static void forward(Parallel par, float[] x, Normalised xn, float[][] inputs, Shape[] shapes, float[][] wt,
                             float[] y, Gemm.Written written) {
    forward(par, x, xn, inputs, shapes, wt, y, null, null, false, written);
  }

  /**
   * As above, then, when {@code scale} is given, an inference BatchNorm (and ReLU when {@code relu}) on
   * each output row while it is in L1, as {@link #forward(Parallel, float[], Shape, float[], float[],
   * float[], float[], boolean)}; {@code written} may be null (evaluation: no statistics).
   */
  public static void forward(Parallel par, float[] x, Normalised xn, float[][] inputs, Shape[] shapes, float[][] wt,
                             float[] y, float[] scale, float[] shift, boolean relu, Gemm.Written written) {
    Shape s0 = shapes[0];
    Taps[] taps = new Taps[shapes.length];
    for (int b = 0; b < shapes.length; b++) {
      taps[b] = new Taps(shapes[b]);
    }
    int oh = s0.oh();
    int ow = s0.ow();
    int pixels = s0.h() * s0.w();
    int inImage = inputImage(shapes);
    int step = Math.max(1, GROUP_PIXELS / ow);
    par.forSlices(s0.n(), (t, q, from, to) -> {
      RowScratch[] r = new RowScratch[shapes.length];
      for (int b = 0; b < shapes.length; b++) {
        r[b] = new RowScratch(shapes[b], taps[b]);
      }
      float[] in = inputs[t];
      for (int b = from; b < to; b++) {
        xn.image(x, s0.cs(), b, pixels, in);
        for (int g = b * oh; g < (b + 1) * oh; g += step) {
          int g1 = Math.min((b + 1) * oh, g + step);
          for (int i = 0; i < shapes.length; i++) {
            forwardRows(in, -b * inImage, shapes[i], wt[i], y, scale, shift, relu, g, g1, r[i]);
          }
          if (written != null) {
            written.rows(t, q, g * ow, g1 * ow);
          }
        }
      }
    });
  }

  /**
   * Output rows [from, to) (row = image · oh + oy) of {@link #forward(Parallel, float[], Shape, float[],
   * float[], float[], float[], boolean)}, on the calling thread.
   */
  static void forwardRows(float[] x, Shape s, float[] wt, float[] y, float[] scale, float[] shift, boolean relu,
                          int from, int to, RowScratch r) {
    forwardRows(x, 0, s, wt, y, scale, shift, relu, from, to, r);
  }

  /**
   * As above with image b's input at {@code x[pixel(b, …) + xo]} (xo = −b·h·w·cs: a buffer of image b
   * alone).
   */
  private static void forwardRows(float[] x, int xo, Shape s, float[] wt, float[] y, float[] scale, float[] shift,
                                  boolean relu, int from, int to, RowScratch r) {
    int oh = s.oh();
    for (int row = from; row < to; row++) {
      if (r.rows != null) {
        forwardRow(x, xo, s, r.rows, wt, y, row / oh, row % oh);
      } else {
        forwardRow(x, xo, s, r.taps, r.list, wt, y, row / oh, row % oh);
      }
      if (scale != null) {
        affineRow(s, y, row / oh, row % oh, scale, shift, relu);
      }
    }
  }

  /** What one thread's forward of one shape reuses from row to row. */
  static final class RowScratch {
    final Taps taps;
    /** An edge pixel's taps inside the input. */
    final int[] list;
    /** The padded input rows, when this shape goes on them ({@link #padded}). */
    final PaddedRows rows;

    RowScratch(Shape s) {
      this(s, new Taps(s));
    }

    private RowScratch(Shape s, Taps taps) {
      this.taps = taps;
      this.list = new int[s.k() * s.k()];
      this.rows = padded(s) ? new PaddedRows(s) : null;
    }

    /** Before an image that reuses the buffer of the last one. */
    void newImage() {
      if (rows != null) {
        rows.forget();
      }
    }
  }

  /**
   * Whether the forward goes on padded rows ({@link PaddedRows}) rather than in place, where edge
   * pixels (their window crosses the image's side) are summed one at a time over a list of their taps:
   * under stride 1 when an eighth of a row's pixels are edge pixels, under stride 2 (a copied row
   * serves half as many output rows, each a quarter of the work) when half are. Measured with
   * DepthwiseBench (docs/engine-measurements.md, "the depthwise forward on padded rows").
   */
  private static boolean padded(Shape s) {
    if (halfTailEnd(s.cl(), s.cl() - s.cl() % Vec.L) == 0) {
      return false; // fewer channels than half a vector: tap by tap either way
    }
    int edges = s.ow() - Math.max(0, s.oxTo(s.k() - 1) - s.oxFrom(0) + 1);
    return edges * (s.stride() == 1 ? 8 : 2) >= s.ow();
  }

  /**
   * Whether the tiles of four pixels slide along each kernel row ({@link #slide4}): stride 1 under k5
   * and k7, the kernels written out per k. Under k3 (four taps a row) it gained nothing measurable
   * (DepthwiseBench: −8% to +7%), under stride 2 a row's pixels share fewer inputs.
   */
  private static boolean slides(Shape s) {
    return s.stride() == 1 && (s.k() == 5 || s.k() == 7);
  }

  /**
   * One output row from padded input rows: every pixel in the register tiles of
   * {@link #forwardRow(float[], Shape, Taps, int[], float[], float[], int, int)}'s interior; channels
   * past the half vector (none when channel counts are multiples of 8) tap by tap from x.
   */
  private static void forwardRow(float[] x, int xo, Shape s, PaddedRows rows, float[] wt, float[] y, int b, int oy) {
    rows.prepare(x, xo, b, oy);
    int ow = s.ow();
    int cl = s.cl();
    int cs = s.cs();
    int full = cl - cl % Vec.L;
    int half = halfTailEnd(cl, full);
    int y0 = outPixel(s, b, oy, 0);
    int ps = rows.pixelStep();
    boolean slide = slides(s);
    float[] r = rows.buf;
    int[] xoff = rows.xoff;
    int[] woff = rows.woff;
    int n = rows.count;
    int ox = 0;
    for (; ox + 3 < ow; ox += 4) {
      if (slide) {
        slide4(r, wt, y, xoff, woff, 0, n, rows.window(ox), ps, y0 + ox * cs, cs, full, half, s.k(), cl);
      } else {
        tile4(r, wt, y, xoff, woff, 0, n, rows.window(ox), ps, y0 + ox * cs, cs, full, half);
      }
    }
    if (s.k() >= 5 && ow - ox >= 2 && ow >= 4) { // the last 2-3 pixels in a tile ending at the row's end (lastTile)
      if (slide) {
        slide4(r, wt, y, xoff, woff, 0, n, rows.window(ow - 4), ps, y0 + (ow - 4) * cs, cs, full, half, s.k(), cl);
      } else {
        tile4(r, wt, y, xoff, woff, 0, n, rows.window(ow - 4), ps, y0 + (ow - 4) * cs, cs, full, half);
      }
      ox = ow;
    }
    for (; ox < ow; ox++) {
      tile1(r, wt, y, xoff, woff, 0, n, rows.window(ox), y0 + ox * cs, full, half);
    }
    if (half < cl) {
      for (int p = 0; p < ow; p++) {
        java.util.Arrays.fill(y, y0 + p * cs + half, y0 + p * cs + cl, 0f);
      }
      for (int ky = s.kyFrom(oy); ky < s.kyTo(oy); ky++) {
        for (int kx = 0; kx < s.k(); kx++) {
          tap(x, xo, s, wt, y, b, oy, ky, kx, false, 0, ow - 1, half);
        }
      }
    }
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
   * Where each tap reads, for a call's geometry: tap t = ky·k + kx reads the input {@code xoff[t]}
   * floats from the window's corner and weight {@code woff[t]} (channel 0 of the view).
   */
  private record Taps(int[] xoff, int[] woff) {
    Taps(Shape s) {
      this(new int[s.k() * s.k()], new int[s.k() * s.k()]);
      for (int ky = 0; ky < s.k(); ky++) {
        for (int kx = 0; kx < s.k(); kx++) {
          xoff[ky * s.k() + kx] = (ky * s.w() + kx) * s.cs();
          woff[ky * s.k() + kx] = (ky * s.k() + kx) * s.cl();
        }
      }
    }
  }

  /**
   * One output row. Its interior pixels — those every tap column reaches inside the input — go in
   * register tiles of 4 pixels × 2 channel vectors ({@link #pixels4x2}): eight sums held across all
   * the row's taps, as the GEMM's tile holds them across K, each weight load serving four pixels,
   * and each output stored once (no read-modify-write per tap, no zeroing). The row's last interior
   * pixels go one at a time, edge pixels likewise over the taps listed as landing inside the input,
   * a half vector of channels widened to the full shape; only channels past that (none when channel
   * counts are multiples of 8) go tap by tap ({@link #tap}). Measured against tap by tap for every
   * row: 1.2-2x per call on the supernet's shapes, 20-27% on the supernet's inference
   * (docs/engine-measurements.md).
   */
  private static void forwardRow(float[] x, int xo, Shape s, Taps taps, int[] list, float[] wt, float[] y, int b,
                                 int oy) {
    int k = s.k();
    int ow = s.ow();
    int cl = s.cl();
    int cs = s.cs();
    int st = s.stride();
    int full = cl - cl % Vec.L;
    int half = halfTailEnd(cl, full);
    int a = s.oxFrom(0);
    int e = s.oxTo(k - 1);
    if (half == 0) {
      tapByTap(x, xo, s, wt, y, b, oy);
      return;
    }
    int kf = s.kyFrom(oy);
    int kt = s.kyTo(oy);
    int t0 = kf * k;
    int t1 = kt * k;
    int y0 = outPixel(s, b, oy, 0);
    // the window's corner row (it may lie above the image: only the taps inside it are read)
    int xr = pixel(s, b, oy * st - s.pt(), 0) + xo;
    int ps = st * cs;
    boolean slide = slides(s);
    int[] xoff = taps.xoff();
    int[] woff = taps.woff();
    int ox = a;
    for (; ox + 3 <= e; ox += 4) {
      if (slide) {
        slide4(x, wt, y, xoff, woff, t0, t1, xr + (ox * st - s.pl()) * cs, ps, y0 + ox * cs, cs, full, half, k, cl);
      } else {
        tile4(x, wt, y, xoff, woff, t0, t1, xr + (ox * st - s.pl()) * cs, ps, y0 + ox * cs, cs, full, half);
      }
    }
    if (k >= 5 && e - ox >= 1 && e - a >= 3) { // the last 2-3 interior pixels in a tile ending at e (lastTile)
      int xe = xr + ((e - 3) * st - s.pl()) * cs;
      if (slide) {
        slide4(x, wt, y, xoff, woff, t0, t1, xe, ps, y0 + (e - 3) * cs, cs, full, half, k, cl);
      } else {
        tile4(x, wt, y, xoff, woff, t0, t1, xe, ps, y0 + (e - 3) * cs, cs, full, half);
      }
      ox = e + 1;
    }
    for (; ox <= e; ox++) {
      tile1(x, wt, y, xoff, woff, t0, t1, xr + (ox * st - s.pl()) * cs, y0 + ox * cs, full, half);
    }
    // edge pixels: the same sums over the taps that land inside the input, listed
    for (int p = 0; p < ow; p++) {
      if (p >= a && p <= e) {
        continue; // an interior pixel (none when the row is narrower than the kernel)
      }
      int n = 0;
      for (int ky = kf; ky < kt; ky++) {
        for (int kx = 0; kx < k; kx++) {
          int ix = p * st + kx - s.pl();
          if (ix >= 0 && ix < s.w()) {
            list[n++] = ky * k + kx;
          }
        }
      }
      int xb = xr + (p * st - s.pl()) * cs;
      int yi = y0 + p * cs;
      int j = 0;
      for (; j + 2 * Vec.L <= full; j += 2 * Vec.L) {
        listed1x2(x, wt, y, xoff, woff, list, n, xb + j, yi + j, j);
      }
      if (j < full) {
        listed1x1(x, wt, y, xoff, woff, list, n, xb + j, yi + j, j);
      }
      if (half > full) {
        listed1xHalf(x, wt, y, xoff, woff, list, n, xb + full, yi + full, full);
      }
    }
    if (half < cl) { // channels past the half vector (none when channels are multiples of 8), tap by tap
      for (int p = 0; p < ow; p++) {
        java.util.Arrays.fill(y, y0 + p * cs + half, y0 + p * cs + cl, 0f);
      }
      for (int ky = kf; ky < kt; ky++) {
        for (int kx = 0; kx < k; kx++) {
          tap(x, xo, s, wt, y, b, oy, ky, kx, false, 0, ow - 1, half);
        }
      }
    }
  }

  /*
   * lastTile: a row's last 2 or 3 pixels past its tiles of four go in one more tile of four that ends
   * at the row's end, recomputing the pixels the tile before stored (each pixel's sum is the same taps
   * in the same order in any tile, so they are stored again unchanged). A pixel alone keeps two sums
   * in flight where a tile keeps eight, so under k5 and k7 two or three alone took longer than one
   * tile (DepthwiseBench, 7×7 × 192 channels: k7 +14-27%, k5 +8-13%); under k3 (nine taps, where a
   * tile's setup and stores weigh more) the tile lost 11-18% (docs/engine-measurements.md).
   */

  /**
   * Four pixels' channel vectors (window corner {@code xb}, output {@code yi}): two at a time, then one,
   * then the half vector.
   */
  private static void tile4(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb, int ps,
                            int yi, int cs, int full, int half) {
    int j = 0;
    for (; j + 2 * Vec.L <= full; j += 2 * Vec.L) {
      pixels4x2(x, wt, y, xoff, woff, t0, t1, xb + j, ps, yi + j, cs, j);
    }
    if (j < full) {
      pixels4x1(x, wt, y, xoff, woff, t0, t1, xb + j, ps, yi + j, cs, j);
    }
    if (half > full) {
      pixels4xHalf(x, wt, y, xoff, woff, t0, t1, xb + full, ps, yi + full, cs, full);
    }
  }

  /**
   * As {@link #tile4} where {@link #slides}: the full vectors one at a time in the sliding tiles (see
   * slide4k5), the half vector as in tile4.
   */
  private static void slide4(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb, int ps,
                             int yi, int cs, int full, int half, int k, int cl) {
    for (int j = 0; j < full; j += Vec.L) {
      if (k == 5) {
        slide4k5(x, wt, y, xoff, woff, t0, t1, xb + j, ps, yi + j, cs, cl, j);
      } else {
        slide4k7(x, wt, y, xoff, woff, t0, t1, xb + j, ps, yi + j, cs, cl, j);
      }
    }
    if (half > full) {
      pixels4xHalf(x, wt, y, xoff, woff, t0, t1, xb + full, ps, yi + full, cs, full);
    }
  }

  /** One pixel's channel vectors, as {@link #tile4}. */
  private static void tile1(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb, int yi,
                            int full, int half) {
    int j = 0;
    for (; j + 2 * Vec.L <= full; j += 2 * Vec.L) {
      pixels1x2(x, wt, y, xoff, woff, t0, t1, xb + j, yi + j, j);
    }
    if (j < full) {
      pixels1x1(x, wt, y, xoff, woff, t0, t1, xb + j, yi + j, j);
    }
    if (half > full) {
      pixels1xHalf(x, wt, y, xoff, woff, t0, t1, xb + full, yi + full, full);
    }
  }

  /*
   * The half-vector tail (Vec.H, 8 floats under AVX-512) in tiles of its own: loaded at half width
   * and widened, arithmetic in the full shape (mixing shapes in one method slowed it 7x, and sums
   * kept in the half shape ran 5x slower than the tap-by-tap path; docs/platform-notes.md §6).
   */

  private static void pixels4xHalf(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
                                   int ps, int yi, int cs, int j) {
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int t = t0; t < t1; t++) {
      int xo = xb + xoff[t];
      FloatVector w0 = Vec.loadHalf(wt, woff[t] + j);
      a0 = Vec.loadHalf(x, xo).fma(w0, a0);
      a1 = Vec.loadHalf(x, xo + ps).fma(w0, a1);
      a2 = Vec.loadHalf(x, xo + 2 * ps).fma(w0, a2);
      a3 = Vec.loadHalf(x, xo + 3 * ps).fma(w0, a3);
    }
    Vec.storeHalf(a0, y, yi);
    Vec.storeHalf(a1, y, yi + cs);
    Vec.storeHalf(a2, y, yi + 2 * cs);
    Vec.storeHalf(a3, y, yi + 3 * cs);
  }

  /*
   * The register tiles: P pixels ({@code ps} floats apart in the input, {@code cs} in the output) ×
   * V channel vectors, summed over taps [t0, t1) from zero and stored once. Written out per shape:
   * C2 keeps named locals in registers, not arrays of vectors, and a vector merged from two branches
   * is boxed (docs/platform-notes.md §6).
   */

  private static void pixels4x2(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
                                 int ps, int yi, int cs, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
    for (int t = t0; t < t1; t++) {
      int xo = xb + xoff[t];
      int wo = woff[t] + j;
      FloatVector w0 = FloatVector.fromArray(Vec.S, wt, wo);
      FloatVector w1 = FloatVector.fromArray(Vec.S, wt, wo + Vec.L);
      a00 = FloatVector.fromArray(Vec.S, x, xo).fma(w0, a00);
      a01 = FloatVector.fromArray(Vec.S, x, xo + Vec.L).fma(w1, a01);
      a10 = FloatVector.fromArray(Vec.S, x, xo + ps).fma(w0, a10);
      a11 = FloatVector.fromArray(Vec.S, x, xo + ps + Vec.L).fma(w1, a11);
      a20 = FloatVector.fromArray(Vec.S, x, xo + 2 * ps).fma(w0, a20);
      a21 = FloatVector.fromArray(Vec.S, x, xo + 2 * ps + Vec.L).fma(w1, a21);
      a30 = FloatVector.fromArray(Vec.S, x, xo + 3 * ps).fma(w0, a30);
      a31 = FloatVector.fromArray(Vec.S, x, xo + 3 * ps + Vec.L).fma(w1, a31);
    }
    a00.intoArray(y, yi);
    a01.intoArray(y, yi + Vec.L);
    a10.intoArray(y, yi + cs);
    a11.intoArray(y, yi + cs + Vec.L);
    a20.intoArray(y, yi + 2 * cs);
    a21.intoArray(y, yi + 2 * cs + Vec.L);
    a30.intoArray(y, yi + 3 * cs);
    a31.intoArray(y, yi + 3 * cs + Vec.L);
  }

  private static void pixels4x1(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
                                 int ps, int yi, int cs, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a00 = zero, a10 = zero, a20 = zero, a30 = zero;
    for (int t = t0; t < t1; t++) {
      int xo = xb + xoff[t];
      int wo = woff[t] + j;
      FloatVector w0 = FloatVector.fromArray(Vec.S, wt, wo);
      a00 = FloatVector.fromArray(Vec.S, x, xo).fma(w0, a00);
      a10 = FloatVector.fromArray(Vec.S, x, xo + ps).fma(w0, a10);
      a20 = FloatVector.fromArray(Vec.S, x, xo + 2 * ps).fma(w0, a20);
      a30 = FloatVector.fromArray(Vec.S, x, xo + 3 * ps).fma(w0, a30);
    }
    a00.intoArray(y, yi);
    a10.intoArray(y, yi + cs);
    a20.intoArray(y, yi + 2 * cs);
    a30.intoArray(y, yi + 3 * cs);
  }

  /*
   * The sliding tiles: four output pixels of one channel vector, stride 1. Tap (ky, kx) of pixel i
   * reads input pixel i + kx of kernel row ky, so along a row the four pixels' k taps read only k + 3
   * input vectors: each is loaded once and kept while it is in some pixel's window (p0..p3 in turn),
   * where pixels4x1 loads a weight and four inputs for each tap's four FMAs (here 2k + 3 loads per
   * 4k FMAs). Each sum still takes its taps in the same order (kernel row by kernel row, kx rising)
   * from zero: the same floats as pixels4x1. One vector per tile only: the same code over two vectors
   * (eighteen live vectors) was compiled by JDK 17's C2 with its vectors boxed in some networks and
   * lost 12% of training there (docs/engine-measurements.md, "the depthwise forward sliding along
   * kernel rows").
   */

  private static void slide4k5(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
                               int ps, int yi, int cs, int cl, int j) {
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int t = t0; t < t1; t += 5) { // one kernel row: taps t .. t + 4
      int xo = xb + xoff[t];
      int wo = woff[t] + j;
      FloatVector p0 = FloatVector.fromArray(Vec.S, x, xo);
      FloatVector p1 = FloatVector.fromArray(Vec.S, x, xo + ps);
      FloatVector p2 = FloatVector.fromArray(Vec.S, x, xo + 2 * ps);
      FloatVector p3;
      FloatVector w;
      p3 = FloatVector.fromArray(Vec.S, x, xo + 3 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo);
      a0 = p0.fma(w, a0);
      a1 = p1.fma(w, a1);
      a2 = p2.fma(w, a2);
      a3 = p3.fma(w, a3);
      p0 = FloatVector.fromArray(Vec.S, x, xo + 4 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + cl);
      a0 = p1.fma(w, a0);
      a1 = p2.fma(w, a1);
      a2 = p3.fma(w, a2);
      a3 = p0.fma(w, a3);
      p1 = FloatVector.fromArray(Vec.S, x, xo + 5 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 2 * cl);
      a0 = p2.fma(w, a0);
      a1 = p3.fma(w, a1);
      a2 = p0.fma(w, a2);
      a3 = p1.fma(w, a3);
      p2 = FloatVector.fromArray(Vec.S, x, xo + 6 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 3 * cl);
      a0 = p3.fma(w, a0);
      a1 = p0.fma(w, a1);
      a2 = p1.fma(w, a2);
      a3 = p2.fma(w, a3);
      p3 = FloatVector.fromArray(Vec.S, x, xo + 7 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 4 * cl);
      a0 = p0.fma(w, a0);
      a1 = p1.fma(w, a1);
      a2 = p2.fma(w, a2);
      a3 = p3.fma(w, a3);
    }
    a0.intoArray(y, yi);
    a1.intoArray(y, yi + cs);
    a2.intoArray(y, yi + 2 * cs);
    a3.intoArray(y, yi + 3 * cs);
  }

  private static void slide4k7(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
                               int ps, int yi, int cs, int cl, int j) {
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int t = t0; t < t1; t += 7) { // one kernel row: taps t .. t + 6
      int xo = xb + xoff[t];
      int wo = woff[t] + j;
      FloatVector p0 = FloatVector.fromArray(Vec.S, x, xo);
      FloatVector p1 = FloatVector.fromArray(Vec.S, x, xo + ps);
      FloatVector p2 = FloatVector.fromArray(Vec.S, x, xo + 2 * ps);
      FloatVector p3;
      FloatVector w;
      p3 = FloatVector.fromArray(Vec.S, x, xo + 3 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo);
      a0 = p0.fma(w, a0);
      a1 = p1.fma(w, a1);
      a2 = p2.fma(w, a2);
      a3 = p3.fma(w, a3);
      p0 = FloatVector.fromArray(Vec.S, x, xo + 4 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + cl);
      a0 = p1.fma(w, a0);
      a1 = p2.fma(w, a1);
      a2 = p3.fma(w, a2);
      a3 = p0.fma(w, a3);
      p1 = FloatVector.fromArray(Vec.S, x, xo + 5 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 2 * cl);
      a0 = p2.fma(w, a0);
      a1 = p3.fma(w, a1);
      a2 = p0.fma(w, a2);
      a3 = p1.fma(w, a3);
      p2 = FloatVector.fromArray(Vec.S, x, xo + 6 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 3 * cl);
      a0 = p3.fma(w, a0);
      a1 = p0.fma(w, a1);
      a2 = p1.fma(w, a2);
      a3 = p2.fma(w, a3);
      p3 = FloatVector.fromArray(Vec.S, x, xo + 7 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 4 * cl);
      a0 = p0.fma(w, a0);
      a1 = p1.fma(w, a1);
      a2 = p2.fma(w, a2);
      a3 = p3.fma(w, a3);
      p0 = FloatVector.fromArray(Vec.S, x, xo + 8 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 5 * cl);
      a0 = p1.fma(w, a0);
      a1 = p2.fma(w, a1);
      a2 = p3.fma(w, a2);
      a3 = p0.fma(w, a3);
      p1 = FloatVector.fromArray(Vec.S, x, xo + 9 * ps);
      w = FloatVector.fromArray(Vec.S, wt, wo + 6 * cl);
      a0 = p2.fma(w, a0);
      a1 = p3.fma(w, a1);
      a2 = p0.fma(w, a2);
      a3 = p1.fma(w, a3);
    }
    a0.intoArray(y, yi);
    a1.intoArray(y, yi + cs);
    a2.intoArray(y, yi + 2 * cs);
    a3.intoArray(y, yi + 3 * cs);
  }
  /*
   * One pixel's sums (the interior's last pixels, and edge pixels over the {@code n} taps listed as
   * landing inside the input), in two chains — even and odd taps — so consecutive FMAs of one sum do
   * not wait on each other's latency (one chain ran the 7x7 maps' edge pixels at a third of the tiles'
   * speed).
   */

  private static void pixels1x2(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
      int yi, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a0 = zero, a1 = zero, b0 = zero, b1 = zero;
    int t = t0;
    for (; t + 1 < t1; t += 2) {
      int xa = xb + xoff[t];
      int wa = woff[t] + j;
      int xc = xb + xoff[t + 1];
      int wc = woff[t + 1] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
      b0 = FloatVector.fromArray(Vec.S, x, xc).fma(FloatVector.fromArray(Vec.S, wt, wc), b0);
      a1 = FloatVector.fromArray(Vec.S, x, xa + Vec.L).fma(FloatVector.fromArray(Vec.S, wt, wa + Vec.L), a1);
      b1 = FloatVector.fromArray(Vec.S, x, xc + Vec.L).fma(FloatVector.fromArray(Vec.S, wt, wc + Vec.L), b1);
    }
    if (t < t1) {
      int xa = xb + xoff[t];
      int wa = woff[t] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
      a1 = FloatVector.fromArray(Vec.S, x, xa + Vec.L).fma(FloatVector.fromArray(Vec.S, wt, wa + Vec.L), a1);
    }
    a0.add(b0).intoArray(y, yi);
    a1.add(b1).intoArray(y, yi + Vec.L);
  }

  private static void pixels1x1(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
      int yi, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a0 = zero, b0 = zero;
    int t = t0;
    for (; t + 1 < t1; t += 2) {
      int xa = xb + xoff[t];
      int wa = woff[t] + j;
      int xc = xb + xoff[t + 1];
      int wc = woff[t + 1] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
      b0 = FloatVector.fromArray(Vec.S, x, xc).fma(FloatVector.fromArray(Vec.S, wt, wc), b0);
    }
    if (t < t1) {
      int xa = xb + xoff[t];
      int wa = woff[t] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
    }
    a0.add(b0).intoArray(y, yi);
  }

  private static void pixels1xHalf(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int t0, int t1, int xb,
      int yi, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a0 = zero, b0 = zero;
    int t = t0;
    for (; t + 1 < t1; t += 2) {
      int xa = xb + xoff[t];
      int wa = woff[t] + j;
      int xc = xb + xoff[t + 1];
      int wc = woff[t + 1] + j;
      a0 = Vec.loadHalf(x, xa).fma(Vec.loadHalf(wt, wa), a0);
      b0 = Vec.loadHalf(x, xc).fma(Vec.loadHalf(wt, wc), b0);
    }
    if (t < t1) {
      int xa = xb + xoff[t];
      int wa = woff[t] + j;
      a0 = Vec.loadHalf(x, xa).fma(Vec.loadHalf(wt, wa), a0);
    }
    Vec.storeHalf(a0.add(b0), y, yi);
  }

  private static void listed1x2(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int[] list, int n, int xb,
      int yi, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a0 = zero, a1 = zero, b0 = zero, b1 = zero;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      int xa = xb + xoff[list[i]];
      int wa = woff[list[i]] + j;
      int xc = xb + xoff[list[i + 1]];
      int wc = woff[list[i + 1]] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
      b0 = FloatVector.fromArray(Vec.S, x, xc).fma(FloatVector.fromArray(Vec.S, wt, wc), b0);
      a1 = FloatVector.fromArray(Vec.S, x, xa + Vec.L).fma(FloatVector.fromArray(Vec.S, wt, wa + Vec.L), a1);
      b1 = FloatVector.fromArray(Vec.S, x, xc + Vec.L).fma(FloatVector.fromArray(Vec.S, wt, wc + Vec.L), b1);
    }
    if (i < n) {
      int xa = xb + xoff[list[i]];
      int wa = woff[list[i]] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
      a1 = FloatVector.fromArray(Vec.S, x, xa + Vec.L).fma(FloatVector.fromArray(Vec.S, wt, wa + Vec.L), a1);
    }
    a0.add(b0).intoArray(y, yi);
    a1.add(b1).intoArray(y, yi + Vec.L);
  }

  private static void listed1x1(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int[] list, int n, int xb,
      int yi, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a0 = zero, b0 = zero;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      int xa = xb + xoff[list[i]];
      int wa = woff[list[i]] + j;
      int xc = xb + xoff[list[i + 1]];
      int wc = woff[list[i + 1]] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
      b0 = FloatVector.fromArray(Vec.S, x, xc).fma(FloatVector.fromArray(Vec.S, wt, wc), b0);
    }
    if (i < n) {
      int xa = xb + xoff[list[i]];
      int wa = woff[list[i]] + j;
      a0 = FloatVector.fromArray(Vec.S, x, xa).fma(FloatVector.fromArray(Vec.S, wt, wa), a0);
    }
    a0.add(b0).intoArray(y, yi);
  }

  private static void listed1xHalf(float[] x, float[] wt, float[] y, int[] xoff, int[] woff, int[] list, int n, int xb,
      int yi, int j) {
    FloatVector zero = FloatVector.zero(Vec.S);
    FloatVector a0 = zero, b0 = zero;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      int xa = xb + xoff[list[i]];
      int wa = woff[list[i]] + j;
      int xc = xb + xoff[list[i + 1]];
      int wc = woff[list[i + 1]] + j;
      a0 = Vec.loadHalf(x, xa).fma(Vec.loadHalf(wt, wa), a0);
      b0 = Vec.loadHalf(x, xc).fma(Vec.loadHalf(wt, wc), b0);
    }
    if (i < n) {
      int xa = xb + xoff[list[i]];
      int wa = woff[list[i]] + j;
      a0 = Vec.loadHalf(x, xa).fma(Vec.loadHalf(wt, wa), a0);
    }
    Vec.storeHalf(a0.add(b0), y, yi);
  }

  /**
   * One output row, tap by tap: for each tap and channel vector the weight stays in a register
   * while the row's output pixels are updated in place (the row lives in L1). The centre tap goes
   * first and writes the row ({@code x·w + 0}) when it reaches every output pixel of the row, as it
   * does with "same" padding away from the image's edge rows; otherwise the row is zeroed first.
   * Used for views of fewer than half a vector of channels.
   */
  private static void tapByTap(float[] x, int xo, Shape s, float[] wt, float[] y, int b, int oy) {
    int k = s.k();
    int ow = s.ow();
    int c = k / 2;
    boolean centre = s.kyFrom(oy) <= c && c < s.kyTo(oy) && s.oxFrom(c) == 0 && s.oxTo(c) == ow - 1;
    int y0 = outPixel(s, b, oy, 0);
    if (centre) {
      tap(x, xo, s, wt, y, b, oy, c, c, true, 0, ow - 1, 0);
    } else {
      for (int ox = 0; ox < ow; ox++) {
        java.util.Arrays.fill(y, y0 + ox * s.cs(), y0 + ox * s.cs() + s.cl(), 0f);
      }
    }
    for (int ky = s.kyFrom(oy); ky < s.kyTo(oy); ky++) {
      for (int kx = 0; kx < k; kx++) {
        if (!(centre && ky == c && kx == c)) {
          tap(x, xo, s, wt, y, b, oy, ky, kx, false, 0, ow - 1, 0);
        }
      }
    }
  }

  /**
   * One tap's products added into output pixels [from, to] of the row, channels [jFrom, cl) of the
   * view ({@code first}: written over them, as {@code x·w + 0}); {@code jFrom} is 0 or the end of the
   * full vectors.
   */
  private static void tap(float[] x, int xo, Shape s, float[] wt, float[] y, int b, int oy, int ky, int kx,
                          boolean first, int from, int to, int jFrom) {
    int lo = Math.max(from, s.oxFrom(kx));
    int hi = Math.min(to, s.oxTo(kx));
    if (lo > hi) {
      return;
    }
    int k = s.k();
    int st = s.stride();
    int cl = s.cl();
    int cs = s.cs();
    int pl = s.pl();
    int full = Math.max(jFrom, cl - cl % Vec.L);
    int half = halfTailEnd(cl, full);
    int y0 = outPixel(s, b, oy, 0);
    int iy = oy * st + ky - s.pt();
    int x0 = pixel(s, b, iy, 0) + xo;
    int wo = (ky * k + kx) * cl;
    int xs = x0 + (lo * st + kx - pl) * cs;
    int xstep = st * cs;
    FloatVector zero = FloatVector.zero(Vec.S);
    for (int j = jFrom; j < full; j += Vec.L) {
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
  static int halfTailEnd(int cl, int full) {
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
    backward(par, x, Shape.of(n, h, w, c, k, stride), wt, dy, dx, dw, scratch);
  }

  /** Floats of per-thread scratch {@link #backward(Parallel, float[], Shape, float[], float[], float[], float[], float[][])} needs. */
  public static int backwardScratch(Shape s) {
    return s.k() * s.k() * sumPitch(s) + (s.stride() == 1 ? DepthwiseGradient.ringSize(s) : 0);
  }

  /** {@link #backwardScratch(Shape)} of each branch. */
  public static int[] backwardScratch(Shape[] shapes) {
    int[] sizes = new int[shapes.length];
    for (int b = 0; b < shapes.length; b++) {
      sizes[b] = backwardScratch(shapes[b]);
    }
    return sizes;
  }

  /** Floats per tap in a thread's weight-gradient sums. */
  private static int sumPitch(Shape s) {
    return s.stride() == 1 ? DepthwiseGradient.pitch(s) : s.cl();
  }

  /**
   * Overwrites the input gradient in dx's channel view (other channels untouched) and dw, reduced
   * over the partial sums of {@link Parallel#forSlices}'s slices of images in {@code scratch} (one
   * per slice, each ≥ {@link #backwardScratch}: slice q's sums, and under stride 1 its ring after them,
   * in {@code scratch[q]}). Slices are whole images, so the threads' dx writes never overlap. Stride 1 goes by input rows ({@link DepthwiseGradient}),
   * each input pixel's gradient summed whole and stored once; stride 2 tap by tap, adding into the
   * image's view after zeroing it while that image is in cache. The caller used to zero the whole of
   * dx first: a pass of its own over the block's largest tensor, and the stride-1 rows then read dx
   * back only to add to zeros (docs/engine-measurements.md, "2026-12-01 (afternoon)").
   */
  public static void backward(Parallel par, float[] x, Shape s, float[] wt, float[] dy, float[] dx, float[] dw,
                              float[][] scratch) {
    backward(par, x, new Shape[] {s}, new float[][] {wt}, dy, dx, new float[][] {dw}, new float[][][] {scratch}, null);
  }

  /**
   * As above for a MixConv layer's branches (each its channel view, all of one stride), image by image:
   * each image goes through every branch in turn, while its input and output gradient (the same
   * pixels' other channels) are in L1/L2, instead of each branch streaming the whole batch from the
   * last-level cache (docs/engine-measurements.md, "2026-12-01 (night)"). Branch b's weight gradient
   * goes to {@code dw[b]} through its own partial sums {@code scratch[b]}. After each image
   * {@code written} (when given) is told of its input pixels [from, to), whose gradient in dx is then
   * whole in every branch's channels and still in cache: the BatchNorm before this layer sums its
   * backward's sums from them instead of in a pass of their own over dx.
   */
  public static void backward(Parallel par, float[] x, Shape[] shapes, float[][] wt, float[] dy, float[] dx,
                              float[][] dw, float[][][] scratch, Gemm.Written written) {
    backward(par, x, null, null, shapes, wt, dy, null, null, dx, dw, scratch, written);
  }

  /**
   * Writes image b's output gradient into {@code out}, laid out as one image of the whole dy
   * (oh·ow pixels of all cs channels).
   */
  @FunctionalInterface
  public interface ImageGradient {
    void image(int b, float[] out);
  }

  /**
   * As above, with the output gradient made image by image by {@code dy} just before the branches
   * read it, into {@code images[t]} on thread t (each at least oh·ow·cs floats): the BatchNorm
   * between this layer and its consumer computes its input gradient there, in L2, instead of in a
   * pass of its own that writes the whole tensor out to memory for this layer to read back
   * (docs/engine-measurements.md, "2026-12-01 (late night)"). With {@code xn} given, the forward's
   * input x is normalised as it is read ({@link #forward(Parallel, float[], Normalised, float[][],
   * Shape[], float[][], float[], Gemm.Written)}): image by image into {@code inputs[t]} (each at least
   * {@link #inputImage} floats) before the branches read it; with {@code xn} null, x as it is.
   */
  public static void backward(Parallel par, float[] x, Normalised xn, float[][] inputs, Shape[] shapes, float[][] wt,
                              ImageGradient dy, float[][] images, float[] dx, float[][] dw, float[][][] scratch,
                              Gemm.Written written) {
    backward(par, x, xn, inputs, shapes, wt, null, dy, images, dx, dw, scratch, written);
  }

  /** Image size in floats of the output gradient {@link ImageGradient} writes for these shapes. */
  public static int outputImage(Shape[] shapes) {
    return shapes[0].oh() * shapes[0].ow() * shapes[0].cs();
  }

  /** Image size in floats of the input these shapes read. */
  public static int inputImage(Shape[] shapes) {
    return shapes[0].h() * shapes[0].w() * shapes[0].cs();
  }

  private static void backward(Parallel par, float[] x, Normalised xn, float[][] inputs, Shape[] shapes, float[][] wt,
                               float[] dy, ImageGradient made, float[][] images, float[] dx, float[][] dw,
                               float[][][] scratch, Gemm.Written written) {
    Shape s0 = shapes[0];
    int pixels = s0.h() * s0.w();
    int inImage = inputImage(shapes);
    par.forSlices(s0.n(), (t, q, from, to) -> {
      for (int i = 0; i < shapes.length; i++) {
        Shape s = shapes[i];
        java.util.Arrays.fill(scratch[i][q], 0, s.k() * s.k() * sumPitch(s), 0f);
      }
      for (int b = from; b < to; b++) {
        float[] g = dy;
        int gb = b;
        if (made != null) {
          g = images[t];
          gb = 0;
          made.image(b, g);
        }
        float[] in = x;
        int xo = 0;
        if (xn != null) {
          in = inputs[t];
          xo = -b * inImage;
          xn.image(x, s0.cs(), b, pixels, in);
        }
        for (int i = 0; i < shapes.length; i++) {
          backwardImage(in, xo, shapes[i], wt[i], g, gb, dx, scratch[i][q], b);
        }
        if (written != null) {
          written.rows(t, q, b * pixels, (b + 1) * pixels);
        }
      }
    });
    for (int i = 0; i < shapes.length; i++) {
      Shape s = shapes[i];
      int taps = s.k() * s.k();
      int cl = s.cl();
      int pitch = sumPitch(s);
      java.util.Arrays.fill(dw[i], 0, taps * cl, 0f);
      for (int q = 0; q < Parallel.slices(s.n()); q++) {
        float[] acc = scratch[i][q];
        for (int tap = 0; tap < taps; tap++) {
          for (int c = 0; c < cl; c++) {
            dw[i][tap * cl + c] += acc[tap * pitch + c];
          }
        }
      }
    }
  }

  /**
   * Image b of one branch's backward: its input gradient in dx's view, its weight-gradient sums into
   * acc; its output gradient is image {@code yb} of dy.
   */
  private static void backwardImage(float[] x, int xo, Shape s, float[] wt, float[] dy, int yb, float[] dx,
                                    float[] acc, int b) {
    if (s.stride() == 1) {
      DepthwiseGradient.image(x, xo, s, wt, dy, yb, dx, acc, b);
      return;
    }
    int cl = s.cl();
    for (int p = b * s.h() * s.w(), end = p + s.h() * s.w(); p < end; p++) {
      Vec.zero(dx, p * s.cs() + s.co(), p * s.cs() + s.co() + cl);
    }
    for (int oy = 0; oy < s.oh(); oy++) {
      backwardRow(x, xo, s, wt, dy, yb, dx, acc, b, oy);
    }
  }

  /**
   * One output row of the backward pass, tap by tap like the forward: per tap and channel vector
   * the weight and the weight-gradient sum stay in registers across the row's pixels.
   */
  private static void backwardRow(float[] x, int xo, Shape s, float[] wt, float[] dy, int yb, float[] dx,
                                  float[] acc, int b, int oy) {
    int k = s.k();
    int st = s.stride();
    int cl = s.cl();
    int cs = s.cs();
    int ow = s.ow();
    int pl = s.pl();
    int full = cl - cl % Vec.L;
    int half = halfTailEnd(cl, full);
    int y0 = outPixel(s, yb, oy, 0);
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
            gw = g.fma(FloatVector.fromArray(Vec.S, x, xi + xo), gw);
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
            gw = g.fma(Vec.load(x, xi + xo, hl), gw);
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
            gw += g * x[xi + xo];
          }
          acc[wo + j] += gw;
        }
      }
    }
  }
}
