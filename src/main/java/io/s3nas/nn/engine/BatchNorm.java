package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Training-mode batch normalisation over NHWC rows {@code [P, C]}, fused with an optional ReLU:
 * {@code y = act(γ·(x − μ)/√(σ² + ε) + β)} with batch statistics. No ReLU mask is stored: the
 * backward pass reads it off x and the last forward's statistics, and a caller that needs the output
 * again and did not keep it recomputes it ({@link #recompute}). Backward (per channel, with x̂ = (x − μ)·inv,
 * g = dy where y > 0, else 0): {@code dx = γ·inv·(g − mean(g) − x̂·mean(g·x̂))}, {@code dγ = Σ g·x̂},
 * {@code dβ = Σ g}. Sums are kept in float over blocks of 256 rows and added up in double, so a
 * 100,000-row batch loses no precision, per slice of rows ({@link Parallel#forSlices}), so they do not
 * depend on which thread summed which rows.
 */
public final class BatchNorm {
  private static final int BLOCK = 256;
  /** Bytes of a cache line. */
  private static final int LINE = 64;
  private final int channels;
  private final double epsilon;
  final float[] mean;
  final float[] inv;
  private final double[][] sum;
  private final double[][] sq;
  private final float[][] fs;
  private final float[][] fq;

  public BatchNorm(int channels, double epsilon, int threads) {
    this.channels = channels;
    this.epsilon = epsilon;
    this.mean = new float[channels];
    this.inv = new float[channels];
    // double sums in one slot per slice of a Parallel.forSlices region, so the totals do not depend on
    // which thread summed which rows; float block sums per thread. Every array padded by a cache line:
    // unpadded, two threads' arrays of a few dozen channels, allocated one after the other, can share a
    // line, which the sums flushed after every 64 rows of a product (Gemm.Written) would trade between
    // the cores — the suspected cause of a 2-thread-only slowdown of ~5% on one network, not confirmed
    // (docs/engine-measurements.md, "2026-12-01 (later)")
    int slots = Math.max(threads, Parallel.SLICES);
    this.sum = new double[slots][channels + LINE / Double.BYTES];
    this.sq = new double[slots][channels + LINE / Double.BYTES];
    this.fs = new float[threads][channels + LINE / Float.BYTES];
    this.fq = new float[threads][channels + LINE / Float.BYTES];
  }

  /** Batch variance (biased), for the running averages. */
  public float[] batchVariance() {
    float[] v = new float[channels];
    for (int c = 0; c < channels; c++) {
      v[c] = (float) (1.0 / ((double) inv[c] * inv[c]) - epsilon);
    }
    return v;
  }

  /** Forward with batch statistics, which are kept for {@link #recompute} and {@link #backward}. */
  public void forward(Parallel par, float[] x, int p, float[] gamma, float[] beta, boolean relu, float[] y) {
    clearStatistics();
    par.forSlices(p, (t, q, from, to) -> addStatistics(t, q, x, from, to));
    forwardFromStatistics(par, x, p, gamma, beta, relu, y);
  }

  /**
   * Zeroes the statistics' sums before a producer adds its rows to them ({@link #addStatistics}, as a
   * {@link Gemm.Written}), and {@link #forwardFromStatistics} then normalises: the statistics are
   * read while the producer's rows are in cache instead of in a pass of their own over x.
   */
  public void clearStatistics() {
    for (int t = 0; t < sum.length; t++) {
      java.util.Arrays.fill(sum[t], 0);
      java.util.Arrays.fill(sq[t], 0);
    }
  }

  /**
   * Adds rows [from, to) of x to slot {@code slot}'s statistics' sums, on thread (chunk) t: slots are
   * {@link Parallel#forSlices}'s slices, which threads add concurrently.
   */
  public void addStatistics(int t, int slot, float[] x, int from, int to) {
    int c = channels;
    float[] a = fs[t];
    float[] b = fq[t];
    int full = c - c % Vec.L;
    for (int r0 = from; r0 < to; r0 += BLOCK) {
      int r1 = Math.min(to, r0 + BLOCK);
      for (int j = 0; j < full; j += Vec.L) {
        FloatVector va = FloatVector.zero(Vec.S);
        FloatVector vb = va;
        for (int r = r0; r < r1; r++) {
          FloatVector v = FloatVector.fromArray(Vec.S, x, r * c + j);
          va = va.add(v);
          vb = v.fma(v, vb);
        }
        va.intoArray(a, j);
        vb.intoArray(b, j);
      }
      if (full < c) {
        statisticsTail(x, c, full, r0, r1, a, b);
      }
      flush(t, slot);
    }
  }

  /** The forward of p rows of x whose statistics' sums are complete: mean and 1/σ, then y. */
  public void forwardFromStatistics(Parallel par, float[] x, int p, float[] gamma, float[] beta, boolean relu,
                                    float[] y) {
    finishStatistics(p);
    recompute(par, x, p, gamma, beta, relu, y);
  }

  /** Mean and 1/σ of p rows from the statistics' sums, without normalising anything. */
  public void finishStatistics(int p) {
    for (int ch = 0; ch < channels; ch++) {
      double s = total(sum, ch);
      double q = total(sq, ch);
      double m = s / p;
      double var = Math.max(0, q / p - m * m);
      mean[ch] = (float) m;
      inv[ch] = (float) (1.0 / Math.sqrt(var + epsilon));
    }
  }

  /**
   * The normalisation of the last {@link #forward} again, bit for bit (the same statistics, γ and β):
   * what a layer that drops its activation after the forward pass calls to have it back in backward.
   */
  public void recompute(Parallel par, float[] x, int p, float[] gamma, float[] beta, boolean relu, float[] y) {
    int c = channels;
    float[][] affine = trainingAffine(gamma, beta);
    par.forPieces(p, (t, from, to) -> affine(x, c, from, to, affine[0], affine[1], relu, y));
  }

  /**
   * The last forward's normalisation as {@code {scale, shift}}, {@code y = x·scale + shift}: computed
   * in one place so the backward's ReLU gate ({@code x·scale + shift > 0}) is, bit for bit, where the
   * forward's output was positive.
   */
  float[][] trainingAffine(float[] gamma, float[] beta) {
    float[] scale = new float[channels];
    float[] shift = new float[channels];
    for (int ch = 0; ch < channels; ch++) {
      scale[ch] = gamma[ch] * inv[ch];
      shift[ch] = beta[ch] - mean[ch] * scale[ch];
    }
    return new float[][] {scale, shift};
  }

  /**
   * y = x·scale + shift over rows [from, to), then ReLU when asked: full vectors in loops of their
   * own with and without ReLU (a vector chosen by a conditional is boxed by C2; measured in this
   * file's backward: a third of its samples in the Vector API's non-intrinsic fallbacks), the
   * partial vector after them.
   */
  static void affine(float[] x, int c, int from, int to, float[] scale, float[] shift, boolean relu,
                     float[] y) {
    affine(x, c, from, to, scale, shift, relu, y, from);
  }

  /** As above, row r of x into row {@code r − from + yFrom} of y: a tile of rows that starts at yFrom. */
  static void affine(float[] x, int c, int from, int to, float[] scale, float[] shift, boolean relu,
                     float[] y, int yFrom) {
    int full = c - c % Vec.L;
    FloatVector zero = FloatVector.zero(Vec.S);
    for (int r = from; r < to; r++) {
      int o = r * c;
      int d = (r - from + yFrom) * c;
      if (relu) {
        for (int j = 0; j < full; j += Vec.L) {
          FloatVector.fromArray(Vec.S, x, o + j).fma(FloatVector.fromArray(Vec.S, scale, j),
              FloatVector.fromArray(Vec.S, shift, j)).max(zero).intoArray(y, d + j);
        }
      } else {
        for (int j = 0; j < full; j += Vec.L) {
          FloatVector.fromArray(Vec.S, x, o + j).fma(FloatVector.fromArray(Vec.S, scale, j),
              FloatVector.fromArray(Vec.S, shift, j)).intoArray(y, d + j);
        }
      }
      if (full < c) {
        affineTail(x, o, c, full, scale, shift, relu, y, d);
      }
    }
  }

  private static void affineTail(float[] x, int o, int c, int full, float[] scale, float[] shift, boolean relu,
                                 float[] y, int d) {
    int m = c - full;
    if (Vec.H != null && m == Vec.H.length()) { // the usual tail under AVX-512: half a vector, widened
      FloatVector v = Vec.loadHalf(x, o + full).fma(Vec.loadHalf(scale, full), Vec.loadHalf(shift, full));
      if (relu) {
        Vec.storeHalf(v.max(0f), y, d + full);
      } else {
        Vec.storeHalf(v, y, d + full);
      }
      return;
    }
    FloatVector v = Vec.load(x, o + full, m).fma(Vec.load(scale, full, m), Vec.load(shift, full, m));
    Vec.store(relu ? v.max(0f) : v, y, d + full, m); // a rare shape (channels not a multiple of 8)
  }

  /** The statistics' sums of channels [full, c) (under a vector) over rows [r0, r1) of c channels into a and b. */
  private static void statisticsTail(float[] x, int c, int full, int r0, int r1, float[] a, float[] b) {
    if (Vec.H != null && c - full == Vec.H.length()) {
      statisticsHalf(x, c, full, r0, r1, a, b);
      return;
    }
    int m = c - full;
    FloatVector va = FloatVector.zero(Vec.S);
    FloatVector vb = va;
    for (int r = r0; r < r1; r++) {
      FloatVector v = Vec.load(x, r * c + full, m);
      va = va.add(v);
      vb = v.fma(v, vb);
    }
    Vec.store(va, a, full, m);
    Vec.store(vb, b, full, m);
  }

  /**
   * The half-vector tail of {@link #statisticsTail} (the usual one under AVX-512), every load and store
   * at half width, as the other tails here: a vector out of {@link Vec#load}'s branches is boxed by C2
   * in a hot loop (measured: 0.4 GB of boxed vectors over 40 training steps of a derived network).
   */
  private static void statisticsHalf(float[] x, int c, int full, int r0, int r1, float[] a, float[] b) {
    FloatVector va = FloatVector.zero(Vec.S);
    FloatVector vb = va;
    for (int r = r0; r < r1; r++) {
      FloatVector v = Vec.loadHalf(x, r * c + full);
      va = va.add(v);
      vb = v.fma(v, vb);
    }
    Vec.storeHalf(va, a, full);
    Vec.storeHalf(vb, b, full);
  }

  /**
   * Inference with running statistics (no ReLU mask): {@code y = act((x − μ_r)/√(σ²_r + ε)·γ + β)}.
   */
  public void inference(Parallel par, float[] x, int p, float[] gamma, float[] beta, float[] runMean, float[] runVar,
                        boolean relu, float[] y) {
    int c = channels;
    float[][] affine = inferenceAffine(gamma, beta, runMean, runVar);
    float[] scale = affine[0];
    float[] shift = affine[1];
    par.forPieces(p, (t, from, to) -> affine(x, c, from, to, scale, shift, relu, y));
  }

  /**
   * Inference BN as a per-channel affine map, {@code {scale, shift}} with {@code y = x·scale + shift}:
   * what a convolution before it can apply to its output in registers ({@link Gemm}).
   */
  public float[][] inferenceAffine(float[] gamma, float[] beta, float[] runMean, float[] runVar) {
    float[] scale = new float[channels];
    float[] shift = new float[channels];
    for (int ch = 0; ch < channels; ch++) {
      scale[ch] = (float) (gamma[ch] / Math.sqrt(runVar[ch] + epsilon));
      shift[ch] = beta[ch] - runMean[ch] * scale[ch];
    }
    return new float[][] {scale, shift};
  }

  /** running ← momentum·running + (1 − momentum)·batch (TensorFlow's convention, momentum 0.99). */
  public void updateRunning(float[] runMean, float[] runVar, double momentum) {
    float[] v = batchVariance();
    for (int ch = 0; ch < channels; ch++) {
      runMean[ch] = (float) (momentum * runMean[ch] + (1 - momentum) * mean[ch]);
      runVar[ch] = (float) (momentum * runVar[ch] + (1 - momentum) * v[ch]);
    }
  }

  /**
   * Backward of the last {@link #forward} (the same x, γ and β); {@code dx} may alias {@code dy}. dγ, dβ
   * are overwritten. With {@code relu} the gradient passes where the forward's output was positive,
   * which is read off x again ({@code x·scale + shift > 0}) rather than from the output: one tensor
   * less to stream through in both passes, which are memory-bound.
   */
  public void backward(Parallel par, float[] x, int p, float[] gamma, float[] beta, boolean relu, float[] dy,
                       float[] dx, float[] dGamma, float[] dBeta) {
    startGradientSums(gamma, beta);
    par.forSlices(p, (t, q, from, to) -> addGradientSums(t, q, x, dy, relu, from, to));
    backwardFromSums(par, x, p, gamma, relu, dy, dx, dGamma, dBeta);
  }

  /** The last forward's {@code {scale, shift}} for the backward's ReLU gate, set by {@link #startGradientSums}. */
  private float[][] gate;

  /**
   * Zeroes the gradient's sums before a producer of dy adds its rows to them as it writes them
   * ({@link #addGradientSums}, as a {@link Gemm.Written}); {@link #backwardFromSums} then finishes:
   * dy's rows are read for the sums while they are in cache instead of in a pass of their own.
   */
  public void startGradientSums(float[] gamma, float[] beta) {
    gate = trainingAffine(gamma, beta);
    clearStatistics(); // the slots now take the gradient's sums
  }

  /** Adds rows [from, to) of (x, dy) to slot {@code slot}'s gradient sums Σ g and Σ g·(x − μ), on thread t. */
  public void addGradientSums(int t, int slot, float[] x, float[] dy, boolean relu, int from, int to) {
    int c = channels;
    int full = c - c % Vec.L;
    float[] scale = gate[0];
    float[] shift = gate[1];
    float[] a = fs[t];
    float[] b = fq[t];
    for (int r0 = from; r0 < to; r0 += BLOCK) {
      int r1 = Math.min(to, r0 + BLOCK);
      for (int j = 0; j < c; j += Vec.L) {
        if (j < full) {
          gradientSums(x, dy, relu, scale, shift, c, j, r0, r1, mean, a, b);
        } else {
          gradientSumsTail(x, dy, relu, scale, shift, c, j, r0, r1, mean, a, b);
        }
      }
      flush(t, slot);
    }
  }

  /** The backward of p rows once every row's gradient sums are in ({@link #startGradientSums}). */
  public void backwardFromSums(Parallel par, float[] x, int p, float[] gamma, boolean relu, float[] dy, float[] dx,
                               float[] dGamma, float[] dBeta) {
    finishGradientSums(p, gamma, dGamma, dBeta);
    int c = channels;
    int full = c - c % Vec.L;
    float[] scale = gate[0];
    float[] shift = gate[1];
    float[] av = this.av;
    float[] bv = this.bv;
    float[] kv = this.kv;
    // one lambda for each: while one lambda served both, C2 compiled it with every vector of the
    // linear rows boxed, deterministically (1.1 GB over 20 training steps of a derived network, 70%
    // of what those steps allocated; docs/engine-measurements.md, "one lambda per BatchNorm variant")
    if (relu) {
      par.forPieces(p, (t, from, to) -> {
        for (int r = from; r < to; r++) {
          inputGradientRelu(x, dy, scale, shift, r * c, full, mean, av, bv, kv, dx, r * c);
          if (full < c) {
            inputGradientTail(x, dy, true, scale, shift, r * c, c, full, mean, av, bv, kv, dx, r * c);
          }
        }
      });
    } else {
      par.forPieces(p, (t, from, to) -> {
        for (int r = from; r < to; r++) {
          inputGradientLinear(x, dy, r * c, full, mean, av, bv, kv, dx, r * c);
          if (full < c) {
            inputGradientTail(x, dy, false, scale, shift, r * c, c, full, mean, av, bv, kv, dx, r * c);
          }
        }
      });
    }
  }

  /** The per-channel coefficients of the input gradient, set by {@link #finishGradientSums}. */
  private float[] av = new float[0];
  private float[] bv = new float[0];
  private float[] kv = new float[0];

  /**
   * Turns the gradient's sums of p rows into dγ and dβ (overwritten) and the coefficients
   * {@link #inputGradientRows} applies: the first half of {@link #backwardFromSums}, for a consumer
   * that computes the input gradient row group by row group itself ({@link TiledProducts}).
   */
  public void finishGradientSums(int p, float[] gamma, float[] dGamma, float[] dBeta) {
    int c = channels;
    if (av.length != c) {
      av = new float[c];
      bv = new float[c];
      kv = new float[c];
    }
    for (int ch = 0; ch < c; ch++) {
      double s = total(sum, ch);
      double q = total(sq, ch);
      dBeta[ch] = (float) s;
      dGamma[ch] = (float) (q * inv[ch]);
      av[ch] = (float) (s / p);
      bv[ch] = (float) (q / p * inv[ch] * inv[ch]);
      kv[ch] = gamma[ch] * inv[ch];
    }
  }

  /**
   * Rows [from, to) of the input gradient once {@link #finishGradientSums} has run, row r into row
   * {@code r − from + dxFrom} of dx: the same floats {@link #backwardFromSums} writes.
   */
  public void inputGradientRows(float[] x, float[] dy, boolean relu, int from, int to, float[] dx, int dxFrom) {
    int c = channels;
    int full = c - c % Vec.L;
    float[] scale = gate[0];
    float[] shift = gate[1];
    for (int r = from; r < to; r++) {
      int d = (r - from + dxFrom) * c;
      if (relu) {
        inputGradientRelu(x, dy, scale, shift, r * c, full, mean, av, bv, kv, dx, d);
      } else {
        inputGradientLinear(x, dy, r * c, full, mean, av, bv, kv, dx, d);
      }
      if (full < c) {
        inputGradientTail(x, dy, relu, scale, shift, r * c, c, full, mean, av, bv, kv, dx, d);
      }
    }
  }

  /*
   * The backward's pieces, full vectors apart from the partial one, and the ReLU's gate in loops of
   * its own: a vector chosen by a conditional ({@code relu ? gated : g}) is boxed by C2, and a third
   * of this backward's profile samples were in the Vector API's non-intrinsic fallbacks.
   */

  /** Σ g and Σ g·(x − μ) of channel vector j over rows [r0, r1) into a and b. */
  private static void gradientSums(float[] x, float[] dy, boolean relu, float[] scale, float[] shift, int c, int j,
                                   int r0, int r1, float[] mean, float[] a, float[] b) {
    FloatVector mu = FloatVector.fromArray(Vec.S, mean, j);
    FloatVector va = FloatVector.zero(Vec.S);
    FloatVector vb = va;
    if (relu) {
      FloatVector zero = va;
      FloatVector sc = FloatVector.fromArray(Vec.S, scale, j);
      FloatVector sh = FloatVector.fromArray(Vec.S, shift, j);
      for (int r = r0; r < r1; r++) {
        int o = r * c + j;
        FloatVector xv = FloatVector.fromArray(Vec.S, x, o);
        FloatVector g = zero.blend(FloatVector.fromArray(Vec.S, dy, o), xv.fma(sc, sh).compare(VectorOperators.GT, 0f));
        va = va.add(g);
        vb = g.fma(xv.sub(mu), vb);
      }
    } else {
      for (int r = r0; r < r1; r++) {
        int o = r * c + j;
        FloatVector g = FloatVector.fromArray(Vec.S, dy, o);
        va = va.add(g);
        vb = g.fma(FloatVector.fromArray(Vec.S, x, o).sub(mu), vb);
      }
    }
    va.intoArray(a, j);
    vb.intoArray(b, j);
  }

  /**
   * As {@link #gradientSums} for the partial vector at j of the row's last channels (through
   * {@link Vec#load}, in a method of its own), the ReLU's gate in a loop of its own.
   */
  private static void gradientSumsTail(float[] x, float[] dy, boolean relu, float[] scale, float[] shift, int c,
                                       int j, int r0, int r1, float[] mean, float[] a, float[] b) {
    if (Vec.H != null && c - j == Vec.H.length()) {
      gradientSumsHalf(x, dy, relu, scale, shift, c, j, r0, r1, mean, a, b);
      return;
    }
    int m = c - j;
    FloatVector mu = Vec.load(mean, j, m);
    FloatVector va = FloatVector.zero(Vec.S);
    FloatVector vb = va;
    if (relu) {
      FloatVector sc = Vec.load(scale, j, m);
      FloatVector sh = Vec.load(shift, j, m);
      for (int r = r0; r < r1; r++) {
        int o = r * c + j;
        FloatVector xv = Vec.load(x, o, m);
        FloatVector g = FloatVector.zero(Vec.S).blend(Vec.load(dy, o, m), xv.fma(sc, sh).compare(VectorOperators.GT, 0f));
        va = va.add(g);
        vb = g.fma(xv.sub(mu), vb);
      }
    } else {
      for (int r = r0; r < r1; r++) {
        int o = r * c + j;
        FloatVector g = Vec.load(dy, o, m);
        va = va.add(g);
        vb = g.fma(Vec.load(x, o, m).sub(mu), vb);
      }
    }
    Vec.store(va, a, j, m);
    Vec.store(vb, b, j, m);
  }

  /** The half-vector tail of {@link #gradientSumsTail}, at half width without {@link Vec#load}'s branches. */
  private static void gradientSumsHalf(float[] x, float[] dy, boolean relu, float[] scale, float[] shift, int c,
                                       int j, int r0, int r1, float[] mean, float[] a, float[] b) {
    FloatVector mu = Vec.loadHalf(mean, j);
    FloatVector va = FloatVector.zero(Vec.S);
    FloatVector vb = va;
    if (relu) {
      FloatVector sc = Vec.loadHalf(scale, j);
      FloatVector sh = Vec.loadHalf(shift, j);
      for (int r = r0; r < r1; r++) {
        int o = r * c + j;
        FloatVector xv = Vec.loadHalf(x, o);
        FloatVector g = FloatVector.zero(Vec.S).blend(Vec.loadHalf(dy, o),
            xv.fma(sc, sh).compare(VectorOperators.GT, 0f));
        va = va.add(g);
        vb = g.fma(xv.sub(mu), vb);
      }
    } else {
      for (int r = r0; r < r1; r++) {
        int o = r * c + j;
        FloatVector g = Vec.loadHalf(dy, o);
        va = va.add(g);
        vb = g.fma(Vec.loadHalf(x, o).sub(mu), vb);
      }
    }
    Vec.storeHalf(va, a, j);
    Vec.storeHalf(vb, b, j);
  }

  /**
   * dx of one row's full vectors behind a ReLU: γ·inv·(g − mean(g) − (x − μ)·mean(g·x̂)·inv), with the
   * sums folded in av, bv, kv and g the output gradient where the forward's output was positive.
   */
  private static void inputGradientRelu(float[] x, float[] dy, float[] scale, float[] shift, int o, int full,
                                        float[] mean, float[] av, float[] bv, float[] kv, float[] dx, int d) {
    FloatVector zero = FloatVector.zero(Vec.S);
    for (int j = 0; j < full; j += Vec.L) {
      FloatVector xv = FloatVector.fromArray(Vec.S, x, o + j);
      FloatVector g = zero.blend(FloatVector.fromArray(Vec.S, dy, o + j),
          xv.fma(FloatVector.fromArray(Vec.S, scale, j), FloatVector.fromArray(Vec.S, shift, j))
              .compare(VectorOperators.GT, 0f));
      FloatVector xc = xv.sub(FloatVector.fromArray(Vec.S, mean, j));
      g.sub(FloatVector.fromArray(Vec.S, av, j)).sub(xc.mul(FloatVector.fromArray(Vec.S, bv, j)))
          .mul(FloatVector.fromArray(Vec.S, kv, j)).intoArray(dx, d + j);
    }
  }

  /** As {@link #inputGradientRelu} without an activation: g is the output gradient. */
  private static void inputGradientLinear(float[] x, float[] dy, int o, int full, float[] mean, float[] av,
                                          float[] bv, float[] kv, float[] dx, int d) {
    for (int j = 0; j < full; j += Vec.L) {
      FloatVector g = FloatVector.fromArray(Vec.S, dy, o + j);
      FloatVector xc = FloatVector.fromArray(Vec.S, x, o + j).sub(FloatVector.fromArray(Vec.S, mean, j));
      g.sub(FloatVector.fromArray(Vec.S, av, j)).sub(xc.mul(FloatVector.fromArray(Vec.S, bv, j)))
          .mul(FloatVector.fromArray(Vec.S, kv, j)).intoArray(dx, d + j);
    }
  }

  /** The row's partial vector; each variant stores from its own branch (no vector out of a conditional). */
  private static void inputGradientTail(float[] x, float[] dy, boolean relu, float[] scale, float[] shift, int o, int c,
                                        int full, float[] mean, float[] av, float[] bv, float[] kv, float[] dx, int d) {
    if (Vec.H != null && c - full == Vec.H.length()) {
      inputGradientHalf(x, dy, relu, scale, shift, o, c, full, mean, av, bv, kv, dx, d);
      return;
    }
    int m = c - full;
    FloatVector xv = Vec.load(x, o + full, m);
    FloatVector xc = xv.sub(Vec.load(mean, full, m));
    if (relu) {
      FloatVector g = FloatVector.zero(Vec.S).blend(Vec.load(dy, o + full, m),
          xv.fma(Vec.load(scale, full, m), Vec.load(shift, full, m)).compare(VectorOperators.GT, 0f));
      Vec.store(g.sub(Vec.load(av, full, m)).sub(xc.mul(Vec.load(bv, full, m))).mul(Vec.load(kv, full, m)), dx,
          d + full, m);
    } else {
      FloatVector g = Vec.load(dy, o + full, m);
      Vec.store(g.sub(Vec.load(av, full, m)).sub(xc.mul(Vec.load(bv, full, m))).mul(Vec.load(kv, full, m)), dx,
          d + full, m);
    }
  }

  /** The half-vector tail of {@link #inputGradientTail}, at half width without {@link Vec#load}'s branches. */
  private static void inputGradientHalf(float[] x, float[] dy, boolean relu, float[] scale, float[] shift, int o, int c,
                                        int full, float[] mean, float[] av, float[] bv, float[] kv, float[] dx, int d) {
    FloatVector xv = Vec.loadHalf(x, o + full);
    FloatVector xc = xv.sub(Vec.loadHalf(mean, full));
    if (relu) {
      FloatVector g = FloatVector.zero(Vec.S).blend(Vec.loadHalf(dy, o + full),
          xv.fma(Vec.loadHalf(scale, full), Vec.loadHalf(shift, full)).compare(VectorOperators.GT, 0f));
      Vec.storeHalf(g.sub(Vec.loadHalf(av, full)).sub(xc.mul(Vec.loadHalf(bv, full))).mul(Vec.loadHalf(kv, full)), dx,
          d + full);
    } else {
      FloatVector g = Vec.loadHalf(dy, o + full);
      Vec.storeHalf(g.sub(Vec.loadHalf(av, full)).sub(xc.mul(Vec.loadHalf(bv, full))).mul(Vec.loadHalf(kv, full)), dx,
          d + full);
    }
  }

  /**
   * Adds thread t's float block sums to slot {@code slot}'s double totals (blocks
   * keep float sums short).
   */
  private void flush(int t, int slot) {
    for (int ch = 0; ch < channels; ch++) {
      sum[slot][ch] += fs[t][ch];
      sq[slot][ch] += fq[t][ch];
    }
  }

  private static double total(double[][] perThread, int ch) {
    double s = 0;
    for (double[] part : perThread) {
      s += part[ch];
    }
    return s;
  }
}
