package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;

/**
 * Matrix products of the 1x1 convolutions on NHWC activations viewed as {@code [P, C]} (P = N·H·W
 * pixels): forward {@code y = x·W}, and the two backward products.
 *
 * <p>Both kernels are register-tiled so that a load feeds more than one FMA: a vector of weights (or
 * of output gradients) is multiplied into several rows, and a broadcast input value into two
 * vectors. The forward tile is 4 rows × 2 vectors (8 accumulators, 6 loads per 8 FMAs, where a
 * 4 × 1 tile needs 5 loads per 4); the weight gradient keeps a 4 × 2 tile of {@code dw} in
 * registers over a chunk of {@value #CHUNK} rows (whose inputs and gradients stay in cache) and
 * adds it to the thread's partial sum once per chunk, instead of loading and storing the partial
 * sum for every 4 rows. Rows (or row chunks) are split across threads; ragged edges fall back to
 * narrower tiles (docs/engine-measurements.md).
 */
public final class Gemm {
  private static final int ROWS = 4;
  /** Rows the weight gradient accumulates in registers before adding to the partial sum. */
  static final int CHUNK = 256;

  private Gemm() {}

  /** y[P×N] = x[P×K] · w[K×N]. */
  public static void forward(Parallel par, float[] x, int p, int k, float[] w, int n, float[] y) {
    forward(par, x, p, k, w, n, y, null, null, false);
  }

  /**
   * y[P×N] = act(x[P×K] · w[K×N] · scale + shift), per output channel: an inference BatchNorm (and
   * ReLU when {@code relu}) applied to each group of the product's rows while it is still in L1 (in
   * registers under one vector of columns), instead of a second pass that reads and writes the whole
   * output again. {@code scale} null: the plain product.
   */
  public static void forward(Parallel par, float[] x, int p, int k, float[] w, int n, float[] y, float[] scale,
                             float[] shift, boolean relu) {
    // rows are independent: pieces balance the threads with the same floats
    par.forPieces((p + ROWS - 1) / ROWS, (c, from, to) ->
        forwardRows(x, from * ROWS, Math.min(p, to * ROWS), k, w, n, y, scale, shift, relu));
  }

  /** Rows [r0, r1) of {@link #forward(Parallel, float[], int, int, float[], int, float[], float[], float[], boolean)}, on the calling thread. */
  static void forwardRows(float[] x, int r0, int r1, int k, float[] w, int n, float[] y, float[] scale, float[] shift,
                          boolean relu) {
    if (scale != null && n >= Vec.L) {
      // the plain 8-row tiles, then the epilogue on each group of rows while it is in L1: the 4-row
      // tiles with the epilogue in registers ran at 0.70-0.93 x the plain tiles' speed, and an 8-row
      // tile with it in registers lost 15-25% of whole networks' inference (docs/engine-measurements.md)
      for (int g = r0; g < r1; g += GROUP) {
        int g1 = Math.min(r1, g + GROUP);
        rows(x, g, g1, k, w, n, y, null, null, false);
        BatchNorm.affine(y, n, g, g1, scale, shift, relu, y);
      }
      return;
    }
    rows(x, r0, r1, k, w, n, y, scale, shift, relu);
  }

  /**
   * Told of each group of rows [from, to) chunk {@code chunk} has just written, in slice {@code slice}
   * of a {@link Parallel#forSlices} region: sums of the rows go to the slice's slot.
   */
  @FunctionalInterface
  public interface Written {
    void rows(int chunk, int slice, int from, int to);
  }

  /**
   * Rows a chunk writes before it calls {@link Written}: 64 rows of up to 280 channels (72 KB) are
   * still in L1/L2 when the consumer reads them.
   */
  static final int GROUP = 64;

  /**
   * y[P×N] = x[P×K] · w[K×N], and after each group of {@value #GROUP} rows a chunk has written,
   * {@code written} reads them while they are in cache: a training BatchNorm's statistics, which
   * otherwise take a pass of their own over the whole product ({@link BnLayer}). (Inference's folded
   * BatchNorm and ReLU go the same way group by group, in {@link #forwardRows}.)
   */
  public static void forward(Parallel par, float[] x, int p, int k, float[] w, int n, float[] y, Written written) {
    par.forSlices((p + ROWS - 1) / ROWS, (c, q, from, to) -> {
      int r1 = Math.min(p, to * ROWS);
      for (int g = from * ROWS; g < r1; g += GROUP) {
        int g1 = Math.min(r1, g + GROUP);
        rows(x, g, g1, k, w, n, y, null, null, false);
        written.rows(c, q, g, g1);
      }
    });
  }

  /** Rows [r0, r1) of the product, in 8-row tiles (plain) or 4-row tiles (with an epilogue). */
  static void rows(float[] x, int r0, int r1, int k, float[] w, int n, float[] y, float[] scale,
                           float[] shift, boolean relu) {
    int r = r0;
    if (scale == null && n >= Vec.L) {
      for (; r + 2 * ROWS <= r1; r += 2 * ROWS) {
        block8(x, r, k, w, n, y);
      }
    }
    for (; r + ROWS <= r1; r += ROWS) {
      block4(x, r, k, w, n, y, scale, shift, relu);
    }
    for (; r < r1; r++) {
      row(x, r, k, w, n, y, scale, shift, relu);
    }
  }

  /** The epilogue: v · scale + shift, then max(·, 0) when {@code relu}; v itself without a scale. */
  private static FloatVector affine(FloatVector v, float[] scale, float[] shift, int j, int m, boolean relu) {
    if (scale == null) {
      return v;
    }
    FloatVector a = v.fma(Vec.load(scale, j, m), Vec.load(shift, j, m));
    return relu ? a.max(FloatVector.zero(Vec.S)) : a;
  }

  /**
   * Eight rows × two vectors of columns, sixteen sums in registers (no epilogue: training's plain
   * product), then the columns past them through {@link #block4}'s tails for each half.
   */
  private static void block8(float[] x, int r, int k, float[] w, int n, float[] y) {
    int x0 = r * k;
    int j = 0;
    for (; j + 2 * Vec.L <= n; j += 2 * Vec.L) {
      FloatVector a0 = FloatVector.zero(Vec.S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      FloatVector b2 = a0;
      FloatVector b3 = a0;
      FloatVector b4 = a0;
      FloatVector b5 = a0;
      FloatVector b6 = a0;
      FloatVector b7 = a0;
      for (int i = 0; i < k; i++) {
        int wi = i * n + j;
        FloatVector wa = FloatVector.fromArray(Vec.S, w, wi);
        FloatVector wb = FloatVector.fromArray(Vec.S, w, wi + Vec.L);
        FloatVector v0 = FloatVector.broadcast(Vec.S, x[x0 + i]);
        a0 = wa.fma(v0, a0);
        b0 = wb.fma(v0, b0);
        FloatVector v1 = FloatVector.broadcast(Vec.S, x[x0 + k + i]);
        a1 = wa.fma(v1, a1);
        b1 = wb.fma(v1, b1);
        FloatVector v2 = FloatVector.broadcast(Vec.S, x[x0 + 2 * k + i]);
        a2 = wa.fma(v2, a2);
        b2 = wb.fma(v2, b2);
        FloatVector v3 = FloatVector.broadcast(Vec.S, x[x0 + 3 * k + i]);
        a3 = wa.fma(v3, a3);
        b3 = wb.fma(v3, b3);
        FloatVector v4 = FloatVector.broadcast(Vec.S, x[x0 + 4 * k + i]);
        a4 = wa.fma(v4, a4);
        b4 = wb.fma(v4, b4);
        FloatVector v5 = FloatVector.broadcast(Vec.S, x[x0 + 5 * k + i]);
        a5 = wa.fma(v5, a5);
        b5 = wb.fma(v5, b5);
        FloatVector v6 = FloatVector.broadcast(Vec.S, x[x0 + 6 * k + i]);
        a6 = wa.fma(v6, a6);
        b6 = wb.fma(v6, b6);
        FloatVector v7 = FloatVector.broadcast(Vec.S, x[x0 + 7 * k + i]);
        a7 = wa.fma(v7, a7);
        b7 = wb.fma(v7, b7);
      }
      int y0 = r * n + j;
      a0.intoArray(y, y0);
      b0.intoArray(y, y0 + Vec.L);
      a1.intoArray(y, y0 + n);
      b1.intoArray(y, y0 + n + Vec.L);
      a2.intoArray(y, y0 + 2 * n);
      b2.intoArray(y, y0 + 2 * n + Vec.L);
      a3.intoArray(y, y0 + 3 * n);
      b3.intoArray(y, y0 + 3 * n + Vec.L);
      a4.intoArray(y, y0 + 4 * n);
      b4.intoArray(y, y0 + 4 * n + Vec.L);
      a5.intoArray(y, y0 + 5 * n);
      b5.intoArray(y, y0 + 5 * n + Vec.L);
      a6.intoArray(y, y0 + 6 * n);
      b6.intoArray(y, y0 + 6 * n + Vec.L);
      a7.intoArray(y, y0 + 7 * n);
      b7.intoArray(y, y0 + 7 * n + Vec.L);
    }
    if (Vec.H != null && n - j == Vec.L + Vec.H.length()) { // N = 24, 56, ...: both in one pass over x
      block8ColumnAndHalf(x, r, k, w, n, y, j);
      return;
    }
    for (; j + Vec.L <= n; j += Vec.L) {
      block8Column(x, r, k, w, n, y, j);
    }
    if (j < n) {
      block4Tail(x, r, k, w, n, y, null, null, false, j);
      block4Tail(x, r + ROWS, k, w, n, y, null, null, false, j);
    }
  }

  /**
   * Eight rows × one full vector of columns at j: eight independent sums where four rows would leave
   * the FMA's latency exposed (N = 16 or 24, common in final networks, is one vector plus a half).
   */
  private static void block8Column(float[] x, int r, int k, float[] w, int n, float[] y, int j) {
    int x0 = r * k;
    FloatVector c0 = FloatVector.zero(Vec.S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    FloatVector c4 = c0;
    FloatVector c5 = c0;
    FloatVector c6 = c0;
    FloatVector c7 = c0;
    for (int i = 0; i < k; i++) {
      FloatVector wv = FloatVector.fromArray(Vec.S, w, i * n + j);
      c0 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + i]), c0);
      c1 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + k + i]), c1);
      c2 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 2 * k + i]), c2);
      c3 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 3 * k + i]), c3);
      c4 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 4 * k + i]), c4);
      c5 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 5 * k + i]), c5);
      c6 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 6 * k + i]), c6);
      c7 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 7 * k + i]), c7);
    }
    int y0 = r * n + j;
    c0.intoArray(y, y0);
    c1.intoArray(y, y0 + n);
    c2.intoArray(y, y0 + 2 * n);
    c3.intoArray(y, y0 + 3 * n);
    c4.intoArray(y, y0 + 4 * n);
    c5.intoArray(y, y0 + 5 * n);
    c6.intoArray(y, y0 + 6 * n);
    c7.intoArray(y, y0 + 7 * n);
  }

  /**
   * Eight rows × one full and one half vector of columns at j (the last 24 of N = 24, 56, …): each
   * broadcast of x serves both, where a full column's pass and two half columns' passes of four rows
   * loaded every x value twice (measured alone, K = 48 and 96, N = 24: 147-205 GFLOP/s against 390
   * at N = 32; docs/engine-measurements.md, "the GEMM's 24-column tail").
   */
  private static void block8ColumnAndHalf(float[] x, int r, int k, float[] w, int n, float[] y, int j) {
    int x0 = r * k;
    FloatVector c0 = FloatVector.zero(Vec.S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    FloatVector c4 = c0;
    FloatVector c5 = c0;
    FloatVector c6 = c0;
    FloatVector c7 = c0;
    FloatVector h0 = c0;
    FloatVector h1 = c0;
    FloatVector h2 = c0;
    FloatVector h3 = c0;
    FloatVector h4 = c0;
    FloatVector h5 = c0;
    FloatVector h6 = c0;
    FloatVector h7 = c0;
    for (int i = 0; i < k; i++) {
      FloatVector wv = FloatVector.fromArray(Vec.S, w, i * n + j);
      FloatVector wh = Vec.loadHalf(w, i * n + j + Vec.L);
      FloatVector v0 = FloatVector.broadcast(Vec.S, x[x0 + i]);
      c0 = wv.fma(v0, c0);
      h0 = wh.fma(v0, h0);
      FloatVector v1 = FloatVector.broadcast(Vec.S, x[x0 + k + i]);
      c1 = wv.fma(v1, c1);
      h1 = wh.fma(v1, h1);
      FloatVector v2 = FloatVector.broadcast(Vec.S, x[x0 + 2 * k + i]);
      c2 = wv.fma(v2, c2);
      h2 = wh.fma(v2, h2);
      FloatVector v3 = FloatVector.broadcast(Vec.S, x[x0 + 3 * k + i]);
      c3 = wv.fma(v3, c3);
      h3 = wh.fma(v3, h3);
      FloatVector v4 = FloatVector.broadcast(Vec.S, x[x0 + 4 * k + i]);
      c4 = wv.fma(v4, c4);
      h4 = wh.fma(v4, h4);
      FloatVector v5 = FloatVector.broadcast(Vec.S, x[x0 + 5 * k + i]);
      c5 = wv.fma(v5, c5);
      h5 = wh.fma(v5, h5);
      FloatVector v6 = FloatVector.broadcast(Vec.S, x[x0 + 6 * k + i]);
      c6 = wv.fma(v6, c6);
      h6 = wh.fma(v6, h6);
      FloatVector v7 = FloatVector.broadcast(Vec.S, x[x0 + 7 * k + i]);
      c7 = wv.fma(v7, c7);
      h7 = wh.fma(v7, h7);
    }
    int y0 = r * n + j;
    c0.intoArray(y, y0);
    Vec.storeHalf(h0, y, y0 + Vec.L);
    c1.intoArray(y, y0 + n);
    Vec.storeHalf(h1, y, y0 + n + Vec.L);
    c2.intoArray(y, y0 + 2 * n);
    Vec.storeHalf(h2, y, y0 + 2 * n + Vec.L);
    c3.intoArray(y, y0 + 3 * n);
    Vec.storeHalf(h3, y, y0 + 3 * n + Vec.L);
    c4.intoArray(y, y0 + 4 * n);
    Vec.storeHalf(h4, y, y0 + 4 * n + Vec.L);
    c5.intoArray(y, y0 + 5 * n);
    Vec.storeHalf(h5, y, y0 + 5 * n + Vec.L);
    c6.intoArray(y, y0 + 6 * n);
    Vec.storeHalf(h6, y, y0 + 6 * n + Vec.L);
    c7.intoArray(y, y0 + 7 * n);
    Vec.storeHalf(h7, y, y0 + 7 * n + Vec.L);
  }

  private static void block4(float[] x, int r, int k, float[] w, int n, float[] y, float[] scale, float[] shift,
                             boolean relu) {
    int x0 = r * k;
    int x1 = x0 + k;
    int x2 = x1 + k;
    int x3 = x2 + k;
    int j = 0;
    for (; j + 2 * Vec.L <= n; j += 2 * Vec.L) {
      FloatVector a0 = FloatVector.zero(Vec.S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      FloatVector b2 = a0;
      FloatVector b3 = a0;
      for (int i = 0; i < k; i++) {
        int wi = i * n + j;
        FloatVector wa = FloatVector.fromArray(Vec.S, w, wi);
        FloatVector wb = FloatVector.fromArray(Vec.S, w, wi + Vec.L);
        FloatVector v0 = FloatVector.broadcast(Vec.S, x[x0 + i]);
        FloatVector v1 = FloatVector.broadcast(Vec.S, x[x1 + i]);
        FloatVector v2 = FloatVector.broadcast(Vec.S, x[x2 + i]);
        FloatVector v3 = FloatVector.broadcast(Vec.S, x[x3 + i]);
        a0 = wa.fma(v0, a0);
        b0 = wb.fma(v0, b0);
        a1 = wa.fma(v1, a1);
        b1 = wb.fma(v1, b1);
        a2 = wa.fma(v2, a2);
        b2 = wb.fma(v2, b2);
        a3 = wa.fma(v3, a3);
        b3 = wb.fma(v3, b3);
      }
      int y0 = r * n + j;
      // each epilogue stores from its own branch: a vector reassigned under a condition and used
      // after it is boxed by C2 (docs/platform-notes.md §6); full vectors only here, as a load that
      // may take the half shape would mix shapes in this method
      if (scale == null) {
        a0.intoArray(y, y0);
        b0.intoArray(y, y0 + Vec.L);
        a1.intoArray(y, y0 + n);
        b1.intoArray(y, y0 + n + Vec.L);
        a2.intoArray(y, y0 + 2 * n);
        b2.intoArray(y, y0 + 2 * n + Vec.L);
        a3.intoArray(y, y0 + 3 * n);
        b3.intoArray(y, y0 + 3 * n + Vec.L);
      } else {
        FloatVector sa = FloatVector.fromArray(Vec.S, scale, j);
        FloatVector sb = FloatVector.fromArray(Vec.S, scale, j + Vec.L);
        FloatVector ha = FloatVector.fromArray(Vec.S, shift, j);
        FloatVector hb = FloatVector.fromArray(Vec.S, shift, j + Vec.L);
        if (relu) {
          FloatVector z = FloatVector.zero(Vec.S);
          a0.fma(sa, ha).max(z).intoArray(y, y0);
          b0.fma(sb, hb).max(z).intoArray(y, y0 + Vec.L);
          a1.fma(sa, ha).max(z).intoArray(y, y0 + n);
          b1.fma(sb, hb).max(z).intoArray(y, y0 + n + Vec.L);
          a2.fma(sa, ha).max(z).intoArray(y, y0 + 2 * n);
          b2.fma(sb, hb).max(z).intoArray(y, y0 + 2 * n + Vec.L);
          a3.fma(sa, ha).max(z).intoArray(y, y0 + 3 * n);
          b3.fma(sb, hb).max(z).intoArray(y, y0 + 3 * n + Vec.L);
        } else {
          a0.fma(sa, ha).intoArray(y, y0);
          b0.fma(sb, hb).intoArray(y, y0 + Vec.L);
          a1.fma(sa, ha).intoArray(y, y0 + n);
          b1.fma(sb, hb).intoArray(y, y0 + n + Vec.L);
          a2.fma(sa, ha).intoArray(y, y0 + 2 * n);
          b2.fma(sb, hb).intoArray(y, y0 + 2 * n + Vec.L);
          a3.fma(sa, ha).intoArray(y, y0 + 3 * n);
          b3.fma(sb, hb).intoArray(y, y0 + 3 * n + Vec.L);
        }
      }
    }
    if (j < n) {
      block4Tail(x, r, k, w, n, y, scale, shift, relu, j);
    }
  }

  /** The 4-row tile's columns from j on, one (possibly partial) vector at a time, in a method of its own. */
  /*
   * Columns past the 2-vector tiles, one vector at a time: a full vector, the half vector (the usual
   * tail under AVX-512, loaded at half width and widened), or another partial one — each in a method
   * of its own, since a load that may take either shape puts vectors through a branch, which C2
   * boxes (measured: these tails were 6-8% of a supernet training step each, N = 16, 24, 40, 48).
   */
  private static void block4Tail(float[] x, int r, int k, float[] w, int n, float[] y, float[] scale, float[] shift,
                                 boolean relu, int j) {
    for (; j < n; j += Vec.L) {
      int m = Vec.lanes(j, n);
      if (m == Vec.L) {
        block4Column(x, r, k, w, n, y, scale, shift, relu, j);
      } else if (Vec.H != null && m == Vec.H.length()) {
        block4HalfColumn(x, r, k, w, n, y, scale, shift, relu, j);
      } else {
        block4PartialColumn(x, r, k, w, n, y, scale, shift, relu, j, m);
      }
    }
  }

  /** Four rows × one full vector of columns at j. */
  private static void block4Column(float[] x, int r, int k, float[] w, int n, float[] y, float[] scale,
                                   float[] shift, boolean relu, int j) {
    int x0 = r * k;
    FloatVector c0 = FloatVector.zero(Vec.S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    for (int i = 0; i < k; i++) {
      FloatVector wv = FloatVector.fromArray(Vec.S, w, i * n + j);
      c0 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + i]), c0);
      c1 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + k + i]), c1);
      c2 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 2 * k + i]), c2);
      c3 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 3 * k + i]), c3);
    }
    int y0 = r * n + j;
    if (scale == null) {
      c0.intoArray(y, y0);
      c1.intoArray(y, y0 + n);
      c2.intoArray(y, y0 + 2 * n);
      c3.intoArray(y, y0 + 3 * n);
    } else {
      FloatVector sc = FloatVector.fromArray(Vec.S, scale, j);
      FloatVector sh = FloatVector.fromArray(Vec.S, shift, j);
      if (relu) {
        FloatVector z = FloatVector.zero(Vec.S);
          c0.fma(sc, sh).max(z).intoArray(y, y0);
          c1.fma(sc, sh).max(z).intoArray(y, y0 + n);
          c2.fma(sc, sh).max(z).intoArray(y, y0 + 2 * n);
          c3.fma(sc, sh).max(z).intoArray(y, y0 + 3 * n);
      } else {
          c0.fma(sc, sh).intoArray(y, y0);
          c1.fma(sc, sh).intoArray(y, y0 + n);
          c2.fma(sc, sh).intoArray(y, y0 + 2 * n);
          c3.fma(sc, sh).intoArray(y, y0 + 3 * n);
      }
    }
  }

  /** Four rows × the half vector of columns at j. */
  private static void block4HalfColumn(float[] x, int r, int k, float[] w, int n, float[] y, float[] scale,
                                       float[] shift, boolean relu, int j) {
    int x0 = r * k;
    FloatVector c0 = FloatVector.zero(Vec.S);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    for (int i = 0; i < k; i++) {
      FloatVector wv = Vec.loadHalf(w, i * n + j);
      c0 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + i]), c0);
      c1 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + k + i]), c1);
      c2 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 2 * k + i]), c2);
      c3 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 3 * k + i]), c3);
    }
    int y0 = r * n + j;
    if (scale == null) {
      Vec.storeHalf(c0, y, y0);
      Vec.storeHalf(c1, y, y0 + n);
      Vec.storeHalf(c2, y, y0 + 2 * n);
      Vec.storeHalf(c3, y, y0 + 3 * n);
    } else {
      FloatVector sc = Vec.loadHalf(scale, j);
      FloatVector sh = Vec.loadHalf(shift, j);
      if (relu) {
        FloatVector z = FloatVector.zero(Vec.S);
          Vec.storeHalf(c0.fma(sc, sh).max(z), y, y0);
          Vec.storeHalf(c1.fma(sc, sh).max(z), y, y0 + n);
          Vec.storeHalf(c2.fma(sc, sh).max(z), y, y0 + 2 * n);
          Vec.storeHalf(c3.fma(sc, sh).max(z), y, y0 + 3 * n);
      } else {
          Vec.storeHalf(c0.fma(sc, sh), y, y0);
          Vec.storeHalf(c1.fma(sc, sh), y, y0 + n);
          Vec.storeHalf(c2.fma(sc, sh), y, y0 + 2 * n);
          Vec.storeHalf(c3.fma(sc, sh), y, y0 + 3 * n);
      }
    }
  }

  /** Four rows × a partial vector of m columns at j (channel counts not a multiple of 8). */
  private static void block4PartialColumn(float[] x, int r, int k, float[] w, int n, float[] y, float[] scale,
                                          float[] shift, boolean relu, int j, int m) {
    int x0 = r * k;
    for (int q = 0; q < 4; q++) {
      FloatVector c = FloatVector.zero(Vec.S);
      for (int i = 0; i < k; i++) {
        c = Vec.load(w, i * n + j, m).fma(FloatVector.broadcast(Vec.S, x[x0 + q * k + i]), c);
      }
      Vec.store(affine(c, scale, shift, j, m, relu), y, (r + q) * n + j, m);
    }
  }

  private static void row(float[] x, int r, int k, float[] w, int n, float[] y, float[] scale, float[] shift,
                          boolean relu) {
    int x0 = r * k;
    for (int j = 0; j < n; j += Vec.L) {
      int m = Vec.lanes(j, n);
      FloatVector c0 = FloatVector.zero(Vec.S);
      for (int i = 0; i < k; i++) {
        c0 = Vec.load(w, i * n + j, m).fma(FloatVector.broadcast(Vec.S, x[x0 + i]), c0);
      }
      Vec.store(affine(c0, scale, shift, j, m, relu), y, r * n + j, m);
    }
  }

  /** dx[P×K] = dy[P×N] · wᵀ, given {@code wT = transpose(w)} as [N×K]. */
  public static void backwardInput(Parallel par, float[] dy, int p, int n, float[] wT, int k, float[] dx) {
    forward(par, dy, p, n, wT, k, dx);
  }

  /**
   * dw[K×N] = xᵀ[K×P] · dy[P×N], reduced over the partial sums of {@link Parallel#forSlices}'s slices
   * ({@code scratch[q]} ≥ K·N, one per slice). With few output columns (a projection's 16–56
   * channels) and K in whole vectors the tiles run along K instead ({@link #alongK}).
   */
  public static void backwardWeight(Parallel par, float[] x, int p, int k, float[] dy, int n, float[] dw,
                                    float[][] scratch) {
    byChunks(par, p, k, n, dw, scratch, (c, acc, r0, r1) -> gradientRows(x, k, dy, n, acc, r0, r1));
  }

  /** One chunk of rows [r0, r1) on thread c, its weight-gradient products added to {@code acc}. */
  @FunctionalInterface
  interface WeightChunk {
    void run(int c, float[] acc, int r0, int r1);
  }

  /**
   * A weight gradient dw[K×N] summed over the rows in chunks of {@value #CHUNK} on {@link Parallel#forSlices}'s
   * slices, each slice's sums in its own partial sum ({@code scratch[q]}), then added up in slot order:
   * {@link #backwardWeight}, and the products of {@link TiledProducts} that fill their chunks' tiles first.
   */
  static void byChunks(Parallel par, int p, int k, int n, float[] dw, float[][] scratch, WeightChunk body) {
    int chunks = (p + CHUNK - 1) / CHUNK;
    par.forSlices(chunks, (c, q, from, to) -> {
      float[] acc = scratch[q];
      java.util.Arrays.fill(acc, 0, k * n, 0f);
      for (int chunk = from; chunk < to; chunk++) {
        int r0 = chunk * CHUNK;
        body.run(c, acc, r0, Math.min(p, r0 + CHUNK));
      }
    });
    reduceWeightGradient(scratch, Parallel.slices(chunks), k, n, dw);
  }

  /** acc += x[r0..r1)ᵀ · dy[r0..r1) in {@link #backwardWeight}'s layout (dwᵀ when {@link #alongK}). */
  static void gradientRows(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1) {
    if (alongK(k, n)) {
      gradientChunk(dy, n, x, k, acc, r0, r1); // dwᵀ = dyᵀ · x: the same tiles, operands swapped
    } else {
      gradientChunk(x, k, dy, n, acc, r0, r1);
    }
  }

  /** dw = the sum of the first {@code slices} partial sums {@link #gradientRows} filled, in slot order. */
  private static void reduceWeightGradient(float[][] scratch, int slices, int k, int n, float[] dw) {
    boolean alongK = alongK(k, n);
    java.util.Arrays.fill(dw, 0, k * n, 0f);
    for (int q = 0; q < slices; q++) {
      float[] acc = scratch[q];
      if (alongK) { // the partial sums are dwᵀ [N×K]
        for (int j = 0; j < n; j++) {
          for (int i = 0; i < k; i++) {
            dw[i * n + j] += acc[j * k + i];
          }
        }
      } else {
        for (int i = 0; i < k * n; i++) {
          dw[i] += acc[i];
        }
      }
    }
  }

  /**
   * Whether the weight gradient's tiles go along K, computing dwᵀ = dyᵀ · x with the same tiles and
   * the operands swapped (vectors of x's row, broadcast dy values): with N under two vectors the
   * tiles along N are one vector wide, one load of dy and four broadcasts per 4 FMAs (n = 16), or half
   * a vector (n = 24, 56), where two vectors of K × four columns take six loads per 8 FMAs. Taken
   * only with K in whole vectors, where it was measured.
   */
  static boolean alongK(int k, int n) {
    return n < 2 * Vec.L && k % Vec.L == 0 && k >= 2 * Vec.L && n >= 4;
  }

  /**
   * acc[i][·] += Σ_{r0 ≤ r < r1} x[r][i] · dy[r][·] for every i < k: 4 × 2-vector tiles, column block by
   * column block; the columns past the blocks in narrower tiles; the rows of K past the tiles one by one.
   */
  private static void gradientChunk(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1) {
    int tiles = k - k % ROWS;
    int wide = n - n % (2 * Vec.L);
    // column block outer: a block's slab of dy (a chunk's rows × two vectors, 32 KB) stays in L1 across
    // the row tiles, where a whole chunk of a wide gradient (256 × 96 floats) does not. Paired in the
    // step, 1.02–1.03 × tiles outer (docs/engine-measurements.md, "2026-12-02 (late morning)")
    for (int j = 0; j < wide; j += 2 * Vec.L) {
      for (int t = 0; t < tiles; t += ROWS) {
        gradientBlock(x, k, dy, n, acc, r0, r1, t, j);
      }
    }
    if (wide < n) {
      for (int t = 0; t < tiles; t += ROWS) {
        gradientTileTail(x, k, dy, n, acc, r0, r1, t, wide);
      }
    }
    for (int i = tiles; i < k; i++) {
      gradientRow(x, k, dy, n, acc, r0, r1, i);
    }
  }

  /** acc[i..i+3][j..j+2L) += Σ_{r0 ≤ r < r1} x[r][i..i+3] · dy[r][j..j+2L), a 4 × 2-vector tile in registers. */
  private static void gradientBlock(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1, int i,
                                    int j) {
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector b0 = a0;
    FloatVector b1 = a0;
    FloatVector b2 = a0;
    FloatVector b3 = a0;
    for (int r = r0; r < r1; r++) {
      int g = r * n + j;
      FloatVector ga = FloatVector.fromArray(Vec.S, dy, g);
      FloatVector gb = FloatVector.fromArray(Vec.S, dy, g + Vec.L);
      int xi = r * k + i;
      FloatVector v0 = FloatVector.broadcast(Vec.S, x[xi]);
      FloatVector v1 = FloatVector.broadcast(Vec.S, x[xi + 1]);
      FloatVector v2 = FloatVector.broadcast(Vec.S, x[xi + 2]);
      FloatVector v3 = FloatVector.broadcast(Vec.S, x[xi + 3]);
      a0 = ga.fma(v0, a0);
      b0 = gb.fma(v0, b0);
      a1 = ga.fma(v1, a1);
      b1 = gb.fma(v1, b1);
      a2 = ga.fma(v2, a2);
      b2 = gb.fma(v2, b2);
      a3 = ga.fma(v3, a3);
      b3 = gb.fma(v3, b3);
    }
    addInto(acc, i * n + j, a0, b0);
    addInto(acc, (i + 1) * n + j, a1, b1);
    addInto(acc, (i + 2) * n + j, a2, b2);
    addInto(acc, (i + 3) * n + j, a3, b3);
  }

  /** Rows i..i+3's columns from j on, one vector at a time, each shape in a method of its own (as block4Tail). */
  private static void gradientTileTail(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1, int i, int j) {
    for (; j < n; j += Vec.L) {
      int m = Vec.lanes(j, n);
      if (m == Vec.L) {
        gradientColumn(x, k, dy, n, acc, r0, r1, i, j);
      } else if (Vec.H != null && m == Vec.H.length()) {
        gradientHalfColumn(x, k, dy, n, acc, r0, r1, i, j);
      } else {
        for (int q = 0; q < 4; q++) {
          gradientPartial(x, k, dy, n, acc, r0, r1, i + q, j, m);
        }
      }
    }
  }

  private static void gradientColumn(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1, int i, int j) {
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int r = r0; r < r1; r++) {
      FloatVector gv = FloatVector.fromArray(Vec.S, dy, r * n + j);
      int xi = r * k + i;
      a0 = gv.fma(FloatVector.broadcast(Vec.S, x[xi]), a0);
      a1 = gv.fma(FloatVector.broadcast(Vec.S, x[xi + 1]), a1);
      a2 = gv.fma(FloatVector.broadcast(Vec.S, x[xi + 2]), a2);
      a3 = gv.fma(FloatVector.broadcast(Vec.S, x[xi + 3]), a3);
    }
    a0.add(FloatVector.fromArray(Vec.S, acc, i * n + j)).intoArray(acc, i * n + j);
    a1.add(FloatVector.fromArray(Vec.S, acc, (i + 1) * n + j)).intoArray(acc, (i + 1) * n + j);
    a2.add(FloatVector.fromArray(Vec.S, acc, (i + 2) * n + j)).intoArray(acc, (i + 2) * n + j);
    a3.add(FloatVector.fromArray(Vec.S, acc, (i + 3) * n + j)).intoArray(acc, (i + 3) * n + j);
  }

  private static void gradientHalfColumn(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1, int i,
                                         int j) {
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int r = r0; r < r1; r++) {
      FloatVector gv = Vec.loadHalf(dy, r * n + j);
      int xi = r * k + i;
      a0 = gv.fma(FloatVector.broadcast(Vec.S, x[xi]), a0);
      a1 = gv.fma(FloatVector.broadcast(Vec.S, x[xi + 1]), a1);
      a2 = gv.fma(FloatVector.broadcast(Vec.S, x[xi + 2]), a2);
      a3 = gv.fma(FloatVector.broadcast(Vec.S, x[xi + 3]), a3);
    }
    Vec.storeHalf(a0.add(Vec.loadHalf(acc, i * n + j)), acc, i * n + j);
    Vec.storeHalf(a1.add(Vec.loadHalf(acc, (i + 1) * n + j)), acc, (i + 1) * n + j);
    Vec.storeHalf(a2.add(Vec.loadHalf(acc, (i + 2) * n + j)), acc, (i + 2) * n + j);
    Vec.storeHalf(a3.add(Vec.loadHalf(acc, (i + 3) * n + j)), acc, (i + 3) * n + j);
  }

  private static void gradientPartial(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1, int i, int j,
                                      int m) {
    FloatVector a = FloatVector.zero(Vec.S);
    for (int r = r0; r < r1; r++) {
      a = Vec.load(dy, r * n + j, m).fma(FloatVector.broadcast(Vec.S, x[r * k + i]), a);
    }
    Vec.store(a.add(Vec.load(acc, i * n + j, m)), acc, i * n + j, m);
  }

  private static void gradientRow(float[] x, int k, float[] dy, int n, float[] acc, int r0, int r1, int i) {
    for (int j = 0; j < n; j += Vec.L) {
      int m = Vec.lanes(j, n);
      FloatVector a = FloatVector.zero(Vec.S);
      for (int r = r0; r < r1; r++) {
        a = Vec.load(dy, r * n + j, m).fma(FloatVector.broadcast(Vec.S, x[r * k + i]), a);
      }
      Vec.store(a.add(Vec.load(acc, i * n + j, m)), acc, i * n + j, m);
    }
  }

  private static void addInto(float[] acc, int at, FloatVector a, FloatVector b) {
    FloatVector.fromArray(Vec.S, acc, at).add(a).intoArray(acc, at);
    FloatVector.fromArray(Vec.S, acc, at + Vec.L).add(b).intoArray(acc, at + Vec.L);
  }

  public static float[] transpose(float[] w, int k, int n) {
    float[] t = new float[k * n];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < n; j++) {
        t[j * k + i] = w[i * n + j];
      }
    }
    return t;
  }
}
