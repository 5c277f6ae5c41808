package io.s3nas.nn.engine;

/**
 * The 1x1 products of an inverted-bottleneck block whose expanded operand is a training BatchNorm's
 * output or input gradient: that operand is computed a group of rows at a time into a tile of the
 * thread's own, used from cache by the product, and never written whole. A block's expanded tensors
 * are its largest, and on a machine of ~14–19 GB/s for two cores every pass over one costs about as
 * much as the arithmetic of a product (docs/engine-measurements.md, "2026-12-01 (evening)"):
 * <ul>
 *   <li>{@link #forward}: y = act(x·scale + shift) · w — the depthwise BatchNorm's output feeding the
 *       projection, which is neither written in the forward pass nor recomputed for the backward;</li>
 *   <li>{@link #weightGradient}: dw = act(x·scale + shift)ᵀ · dy — the projection's weight gradient
 *       from the same recomputed rows;</li>
 *   <li>{@link #expandBackward}: the expansion's BatchNorm input gradient g, then both products that
 *       read it, dw = xᵀ·g and dx = g·wᵀ, chunk by chunk: g is read from cache twice instead of
 *       being written once and read twice.</li>
 * </ul>
 * Each computes the same floats as the separate passes (the same tile kernels over the same rows in
 * the same order, and the weight gradients' partial sums in {@link Parallel#forSlices}'s slots).
 */
final class TiledProducts {
  private TiledProducts() {}

  /**
   * y[P×N] = act(x·scale + shift)[P×K] · w[K×N], with {@code written} told of each group of y's rows
   * as {@link Gemm#forward(Parallel, float[], int, int, float[], int, float[], Gemm.Written)} tells it.
   */
  static void forward(Parallel par, float[] x, int p, int k, float[] scale, float[] shift, boolean relu, float[] w,
                      int n, float[] y, Gemm.Written written, Scratch s) {
    float[][] in = s.tiles("tiled.in", Gemm.GROUP * k);
    float[][] out = s.tiles("tiled.out", Gemm.GROUP * n);
    par.forSlices((p + Gemm.GROUP - 1) / Gemm.GROUP, (c, q, from, to) -> {
      for (int group = from; group < to; group++) {
        int g = group * Gemm.GROUP;
        int g1 = Math.min(p, g + Gemm.GROUP);
        BatchNorm.affine(x, k, g, g1, scale, shift, relu, in[c], 0);
        Gemm.rows(in[c], 0, g1 - g, k, w, n, out[c], null, null, false);
        System.arraycopy(out[c], 0, y, g * n, (g1 - g) * n);
        written.rows(c, q, g, g1);
      }
    });
  }

  /** dw[K×N] = act(x·scale + shift)ᵀ · dy, as {@link Gemm#backwardWeight} sums it ({@code partials}: its scratch). */
  static void weightGradient(Parallel par, float[] x, int p, int k, float[] scale, float[] shift, boolean relu,
                             float[] dy, int n, float[] dw, float[][] partials, Scratch s) {
    float[][] in = s.tiles("tiled.in", Gemm.CHUNK * k);
    float[][] grad = s.tiles("tiled.out", Gemm.CHUNK * n);
    Gemm.byChunks(par, p, k, n, dw, partials, (c, acc, r0, r1) -> {
      BatchNorm.affine(x, k, r0, r1, scale, shift, relu, in[c], 0);
      System.arraycopy(dy, r0 * n, grad[c], 0, (r1 - r0) * n);
      Gemm.gradientRows(in[c], k, grad[c], n, acc, 0, r1 - r0);
    });
  }

  /**
   * The backward of x[P×K] → x·w[K×N] → BatchNorm {@code bn} (its gradient's sums already finished,
   * {@link BatchNorm#finishGradientSums}) given the BatchNorm's input e and output gradient dh:
   * g = the BatchNorm's input gradient, dw = xᵀ·g, dx = g·wᵀ ({@code wT} = transpose(w), [N×K]).
   */
  static void expandBackward(Parallel par, BatchNorm bn, float[] e, float[] dh, boolean relu, int p, float[] x,
                             int k, float[] wT, int n, float[] dw, float[] dx, float[][] partials, Scratch s) {
    float[][] g = s.tiles("tiled.in", Gemm.CHUNK * n);
    float[][] xs = s.tiles("tiled.out", Gemm.CHUNK * k);
    float[][] dxs = s.tiles("tiled.dx", Gemm.CHUNK * k);
    Gemm.byChunks(par, p, k, n, dw, partials, (c, acc, r0, r1) -> {
      bn.inputGradientRows(e, dh, relu, r0, r1, g[c], 0);
      System.arraycopy(x, r0 * k, xs[c], 0, (r1 - r0) * k);
      Gemm.gradientRows(xs[c], k, g[c], n, acc, 0, r1 - r0);
      Gemm.rows(g[c], 0, r1 - r0, n, wT, k, dxs[c], null, null, false);
      System.arraycopy(dxs[c], 0, dx, r0 * k, (r1 - r0) * k);
    });
  }
}
