package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Training-mode batch normalisation over NHWC rows {@code [P, C]}, fused with an optional ReLU:
 * {@code y = act(γ·(x − μ)/√(σ² + ε) + β)} with batch statistics. No ReLU mask is stored: the
 * backward pass takes the ReLU's output, positive exactly where the mask is one, and a caller that
 * does not keep that output either recomputes it ({@link #recompute}) from x and the statistics of the
 * last forward. Backward (per channel, with x̂ = (x − μ)·inv,
 * g = dy where y > 0, else 0): {@code dx = γ·inv·(g − mean(g) − x̂·mean(g·x̂))}, {@code dγ = Σ g·x̂},
 * {@code dβ = Σ g}. Per-thread sums are kept in float over blocks of 256 rows and added up in
 * double, so a 100,000-row batch loses no precision.
 */
public final class BatchNorm {
  private static final int BLOCK = 256;
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
    this.sum = new double[threads][channels];
    this.sq = new double[threads][channels];
    this.fs = new float[threads][channels];
    this.fq = new float[threads][channels];
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
    int c = channels;
    par.forRange(p, (t, from, to) -> {
      float[] a = fs[t];
      float[] b = fq[t];
      java.util.Arrays.fill(sum[t], 0);
      java.util.Arrays.fill(sq[t], 0);
      for (int r0 = from; r0 < to; r0 += BLOCK) {
        int r1 = Math.min(to, r0 + BLOCK);
        for (int j = 0; j < c; j += Vec.L) {
          int m = Vec.lanes(j, c);
          FloatVector va = FloatVector.zero(Vec.S);
          FloatVector vb = va;
          for (int r = r0; r < r1; r++) {
            FloatVector v = Vec.load(x, r * c + j, m);
            va = va.add(v);
            vb = v.fma(v, vb);
          }
          Vec.store(va, a, j, m);
          Vec.store(vb, b, j, m);
        }
        flush(t);
      }
    });
    for (int ch = 0; ch < c; ch++) {
      double s = total(sum, ch);
      double q = total(sq, ch);
      double m = s / p;
      double var = Math.max(0, q / p - m * m);
      mean[ch] = (float) m;
      inv[ch] = (float) (1.0 / Math.sqrt(var + epsilon));
    }
    recompute(par, x, p, gamma, beta, relu, y);
  }

  /**
   * The normalisation of the last {@link #forward} again, bit for bit (the same statistics, γ and β):
   * what a layer that drops its activation after the forward pass calls to have it back in backward.
   */
  public void recompute(Parallel par, float[] x, int p, float[] gamma, float[] beta, boolean relu, float[] y) {
    int c = channels;
    float[] scale = new float[c];
    float[] shift = new float[c];
    for (int ch = 0; ch < c; ch++) {
      scale[ch] = gamma[ch] * inv[ch];
      shift[ch] = beta[ch] - mean[ch] * scale[ch];
    }
    FloatVector zero = FloatVector.zero(Vec.S);
    par.forRange(p, (t, from, to) -> {
      for (int r = from; r < to; r++) {
        int o = r * c;
        for (int j = 0; j < c; j += Vec.L) {
          int m = Vec.lanes(j, c);
          FloatVector v = Vec.load(x, o + j, m)
              .fma(Vec.load(scale, j, m), Vec.load(shift, j, m));
          Vec.store(relu ? v.max(zero) : v, y, o + j, m);
        }
      }
    });
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
    FloatVector zero = FloatVector.zero(Vec.S);
    par.forRange(p, (t, from, to) -> {
      for (int r = from; r < to; r++) {
        int o = r * c;
        for (int j = 0; j < c; j += Vec.L) {
          int m = Vec.lanes(j, c);
          FloatVector v = Vec.load(x, o + j, m).fma(Vec.load(scale, j, m), Vec.load(shift, j, m));
          Vec.store(relu ? v.max(zero) : v, y, o + j, m);
        }
      }
    });
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
   * Backward; {@code dx} may alias {@code dy}. dγ, dβ are overwritten. {@code reluOut} is the
   * forward's output when it applied ReLU (the gradient passes where it is positive), null without ReLU.
   */
  public void backward(Parallel par, float[] x, int p, float[] gamma, float[] reluOut, float[] dy, float[] dx,
                       float[] dGamma, float[] dBeta) {
    int c = channels;
    FloatVector zero = FloatVector.zero(Vec.S);
    par.forRange(p, (t, from, to) -> {
      float[] a = fs[t];
      float[] b = fq[t];
      java.util.Arrays.fill(sum[t], 0);
      java.util.Arrays.fill(sq[t], 0);
      for (int r0 = from; r0 < to; r0 += BLOCK) {
        int r1 = Math.min(to, r0 + BLOCK);
        for (int j = 0; j < c; j += Vec.L) {
          int m = Vec.lanes(j, c);
          FloatVector mu = Vec.load(mean, j, m);
          FloatVector va = FloatVector.zero(Vec.S);
          FloatVector vb = va;
          for (int r = r0; r < r1; r++) {
            int o = r * c + j;
            FloatVector g = Vec.load(dy, o, m);
            if (reluOut != null) {
              g = zero.blend(g, Vec.load(reluOut, o, m).compare(VectorOperators.GT, 0f));
            }
            va = va.add(g);
            vb = g.fma(Vec.load(x, o, m).sub(mu), vb);
          }
          Vec.store(va, a, j, m);
          Vec.store(vb, b, j, m);
        }
        flush(t);
      }
    });
    float[] av = new float[c];
    float[] bv = new float[c];
    float[] kv = new float[c];
    for (int ch = 0; ch < c; ch++) {
      double s = total(sum, ch);
      double q = total(sq, ch);
      dBeta[ch] = (float) s;
      dGamma[ch] = (float) (q * inv[ch]);
      av[ch] = (float) (s / p);
      bv[ch] = (float) (q / p * inv[ch] * inv[ch]);
      kv[ch] = gamma[ch] * inv[ch];
    }
    par.forRange(p, (t, from, to) -> {
      for (int r = from; r < to; r++) {
        int o = r * c;
        for (int j = 0; j < c; j += Vec.L) {
          int m = Vec.lanes(j, c);
          FloatVector g = Vec.load(dy, o + j, m);
          if (reluOut != null) {
            g = zero.blend(g, Vec.load(reluOut, o + j, m).compare(VectorOperators.GT, 0f));
          }
          FloatVector xc = Vec.load(x, o + j, m).sub(Vec.load(mean, j, m));
          FloatVector out = g.sub(Vec.load(av, j, m))
              .sub(xc.mul(Vec.load(bv, j, m)))
              .mul(Vec.load(kv, j, m));
          Vec.store(out, dx, o + j, m);
        }
      }
    });
  }

  /** Adds thread t's float block sums to its double totals (blocks keep float sums short). */
  private void flush(int t) {
    for (int ch = 0; ch < channels; ch++) {
      sum[t][ch] += fs[t][ch];
      sq[t][ch] += fq[t][ch];
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
