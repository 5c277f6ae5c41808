package io.s3nas.search;

import io.s3nas.space.Branch;
import java.util.Random;

/**
 * One depthwise superkernel with its thresholds: the S3NAS generalisation of Single-Path NAS to
 * N-way nested kernel and channel splits (docs/method.md §2.2), one per MixConv branch (§3).
 *
 * <p>Weights {@code W} are {@code [kmax][kmax][C]} (channel fastest, the NHWC depthwise layout), or
 * {@code [kmax][kmax][in][C]} for a fused block's front conv.
 * The kernel split has one mask per kernel option (the centre {@code k_0×k_0} square, then rings
 * up to each larger option) and never zeroes out; the channel split has one mask per channel group
 * ({@code 2·in} channels each) and zeroes out only in blocks that may be skipped (the branch's
 * {@code canZeroOut}). Kernel decision first, then channel norms on the kernel-masked weight:
 *
 * <pre>
 *   u_j^k = g(‖W⊙M_j‖ − t_j^k)          j ≥ 1   (u_0^k ≡ 1)
 *   Ŵ_k  = Σ_j (Π_{i≤j} u_i^k) W⊙M_j
 *   u_m^c = g(‖Ŵ_k⊙H_m‖ − t_m^c)        (u_0^c ≡ 1 unless canZeroOut)
 *   Ŵ    = Σ_m (Π_{i≤m} u_i^c) Ŵ_k⊙H_m
 *   P(k_i, C_e) = P_kern(k_i) · P_chan(C_e)        (the nested-split probabilities of {@link NestedSplit})
 * </pre>
 *
 * g is the indicator with the straight-through estimator ({@link Indicator}). During the warm-up,
 * equal-probability indicator dropout (§2.3) multiplies each indicator i of an n-mask split by a
 * Bernoulli keep with rate {@code 1/(n+1−i)} (kept values scaled by {@code 1/(1−rate)} as
 * {@code tf.nn.dropout} does, unless scaling is off), which samples the split's outcomes uniformly.
 * Forced indicators stay 1 after dropout.
 */
public final class BranchSuperkernel {
  private final Branch branch;
  private final int kmax;
  private final int channels;
  private final int perTap;
  private final int[] ringOf;
  private final int[] groupOf;
  private final int nk;
  private final int nc;
  private final double[] tKernel;
  private final double[] tChannel;

  /** Everything the backward pass needs from a forward pass, plus its outputs. */
  public record Forward(float[] weightHat, double[] probabilities, double[] kernelProbs, double[] channelProbs,
                        double[] ringNorm, double[] xk, double[] vk, double[] dk, double[] fk,
                        double[] groupNorm, double[] xc, double[] vc, double[] dc, double[] fc, float[] weightK) {}

  /**
   * Gradients of one backward pass; {@code kernelIndicators} and {@code channelIndicators} are
   * ∂L/∂u of each indicator value itself (before the straight-through surrogate): the first-order
   * change of the loss per unit of the indicator, which with every indicator on is minus the loss
   * increase of turning that level (and the nested ones after it) off.
   */
  public record Gradients(float[] weight, double[] kernelThresholds, double[] channelThresholds,
                          double[] kernelIndicators, double[] channelIndicators) {}

  /**
   * @param branch the branch's options (kernels, expansions with 0 first when it may zero out)
   * @param inputFilters the block's input channels (a group is {@code 2·in} channels)
   */
  public BranchSuperkernel(Branch branch, int inputFilters) {
    this(branch, inputFilters, 1);
  }

  /**
   * A superkernel over {@code fanIn} input channels per output channel: 1 for a depthwise branch,
   * the block's input channels for the fused block's full k×k front conv, whose weights are
   * {@code [kmax][kmax][in][C]} and whose channel split is on the output channels (docs/method.md §2.2).
   */
  public BranchSuperkernel(Branch branch, int inputFilters, int fanIn) {
    this.branch = branch;
    this.kmax = branch.maxKernel();
    var es = branch.expansionOptions().stream().filter(e -> e > 0).mapToInt(Integer::intValue).toArray();
    this.nc = es.length;
    this.channels = es[nc - 1] * inputFilters;
    this.perTap = fanIn * channels;
    this.nk = branch.kernelOptions().size();
    this.ringOf = new int[kmax * kmax];
    int c0 = kmax / 2;
    for (int y = 0; y < kmax; y++) {
      for (int x = 0; x < kmax; x++) {
        int r = Math.max(Math.abs(y - c0), Math.abs(x - c0));
        int ring = nk - 1;
        for (int j = 0; j < nk; j++) {
          if (r <= branch.kernelOptions().get(j) / 2) {
            ring = j;
            break;
          }
        }
        ringOf[y * kmax + x] = ring;
      }
    }
    this.groupOf = new int[channels];
    int start = 0;
    for (int m = 0; m < nc; m++) {
      int end = es[m] * inputFilters;
      for (int c = start; c < end; c++) {
        groupOf[c] = m;
      }
      start = end;
    }
    this.tKernel = new double[nk];
    this.tChannel = new double[nc];
  }

  public Branch branch() {
    return branch;
  }

  public int kernelSize() {
    return kmax;
  }

  public int channels() {
    return channels;
  }

  public int weightCount() {
    return kmax * kmax * perTap;
  }

  /** Trainable kernel thresholds: indices 1..nk−1 (index 0 is the always-on centre). */
  public double[] kernelThresholds() {
    return tKernel;
  }

  /** Channel thresholds: index 0 is trainable only when the branch may zero out. */
  public double[] channelThresholds() {
    return tChannel;
  }

  /** Number of trainable thresholds (what the peer counts: 108 for the Fashion supernet). */
  public int thresholdCount() {
    return (nk - 1) + (branch.canZeroOut() ? nc : nc - 1);
  }

  /**
   * @param w superkernel weights {@code [kmax][kmax][C]}
   * @param mode hard indicators, or soft ones for gradient checks
   * @param dropout equal-probability indicator dropout (warm-up) when non-null
   * @param scaleKept whether kept indicators are scaled by 1/(1−rate)
   */
  public Forward forward(float[] w, IndicatorMode mode, Random dropout, boolean scaleKept) {
    int hw = kmax * kmax;
    // kernel split
    double[] ring = new double[nk];
    for (int p = 0; p < hw; p++) {
      int j = ringOf[p];
      for (int q = 0; q < perTap; q++) {
        double v = w[p * perTap + q];
        ring[j] += v * v;
      }
    }
    double[] xk = new double[nk];
    double[] vk = new double[nk];
    double[] dk = new double[nk];
    double[] fk = new double[nk];
    for (int j = 0; j < nk; j++) {
      ring[j] = Math.sqrt(ring[j]);
      xk[j] = ring[j] - tKernel[j];
      vk[j] = j == 0 ? 1 : mode.apply(xk[j]);
      dk[j] = dropFactor(dropout, j, nk, scaleKept);
      fk[j] = j == 0 ? 1 : vk[j] * dk[j];
    }
    double[] uk = NestedSplit.prefix(fk);
    float[] wk = new float[w.length];
    for (int p = 0; p < hw; p++) {
      float s = (float) uk[ringOf[p]];
      for (int q = 0; q < perTap; q++) {
        wk[p * perTap + q] = w[p * perTap + q] * s;
      }
    }
    // channel split on the kernel-masked weight
    double[] group = new double[nc];
    for (int p = 0; p < hw; p++) {
      for (int q = 0; q < perTap; q++) {
        double v = wk[p * perTap + q];
        group[groupOf[q % channels]] += v * v;
      }
    }
    double[] xc = new double[nc];
    double[] vc = new double[nc];
    double[] dc = new double[nc];
    double[] fc = new double[nc];
    boolean zero = branch.canZeroOut();
    for (int m = 0; m < nc; m++) {
      group[m] = Math.sqrt(group[m]);
      xc[m] = group[m] - tChannel[m];
      boolean forced = m == 0 && !zero;
      vc[m] = forced ? 1 : mode.apply(xc[m]);
      dc[m] = dropFactor(dropout, m, nc, scaleKept);
      fc[m] = forced ? 1 : vc[m] * dc[m];
    }
    double[] uc = NestedSplit.prefix(fc);
    float[] out = new float[w.length];
    for (int p = 0; p < hw; p++) {
      for (int q = 0; q < perTap; q++) {
        out[p * perTap + q] = wk[p * perTap + q] * (float) uc[groupOf[q % channels]];
      }
    }
    double[] pk = NestedSplit.probabilities(kept(vk, dk, true), false);
    double[] pc = NestedSplit.probabilities(kept(vc, dc, !zero), zero);
    double[] probs = new double[pk.length * pc.length];
    for (int k = 0; k < pk.length; k++) {
      for (int e = 0; e < pc.length; e++) {
        probs[k * pc.length + e] = pk[k] * pc[e];
      }
    }
    return new Forward(out, probs, pk, pc, ring, xk, vk, dk, fk, group, xc, vc, dc, fc, wk);
  }

  /** Indicator values as the probabilities see them: dropped ones count as off, forced first stays on. */
  private static double[] kept(double[] v, double[] d, boolean forcedFirst) {
    double[] q = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      q[i] = (i == 0 && forcedFirst) ? 1 : (d[i] > 0 ? v[i] : 0);
    }
    return q;
  }

  /** Equal-probability dropout (docs/method.md §2.3): indicator i of an n-mask split is dropped with rate 1/(n+1−i). */
  private static double dropFactor(Random rng, int i, int n, boolean scaleKept) {
    if (rng == null) {
      return 1;
    }
    double rate = 1.0 / (n + 1 - i);
    boolean keep = rng.nextDouble() >= rate;
    return keep ? (scaleKept ? 1.0 / (1 - rate) : 1.0) : 0.0;
  }

  /**
   * Backward pass: {@code dHat} is ∂L/∂Ŵ (from the convolution), {@code dProb} ∂L/∂P over the
   * branch's (kernel, expansion) choices (from the latency term; may be null).
   */
  public Gradients backward(float[] w, Forward f, float[] dHat, double[] dProb) {
    int hw = kmax * kmax;
    boolean zero = branch.canZeroOut();
    double[] dpk = new double[f.kernelProbs().length];
    double[] dpc = new double[f.channelProbs().length];
    if (dProb != null) {
      for (int k = 0; k < dpk.length; k++) {
        for (int e = 0; e < dpc.length; e++) {
          double g = dProb[k * dpc.length + e];
          dpk[k] += g * f.channelProbs()[e];
          dpc[e] += g * f.kernelProbs()[k];
        }
      }
    }
    // channel split
    double[] uc = NestedSplit.prefix(f.fc());
    double[] dUc = new double[nc];
    float[] wk = f.weightK();
    double[] dWk = new double[w.length];
    for (int p = 0; p < hw; p++) {
      for (int q = 0; q < perTap; q++) {
        int i = p * perTap + q;
        int m = groupOf[q % channels];
        dUc[m] += (double) dHat[i] * wk[i];
        dWk[i] = dHat[i] * uc[m];
      }
    }
    double[] dfc = NestedSplit.prefixBackward(f.fc(), dUc);
    double[] dqc = NestedSplit.probabilitiesBackward(kept(f.vc(), f.dc(), !zero), zero, dpc);
    double[] dtc = new double[nc];
    double[] dGroup = new double[nc];
    double[] dvc = new double[nc];
    for (int m = 0; m < nc; m++) {
      if (m == 0 && !zero) {
        continue;
      }
      double dv = dfc[m] * f.dc()[m] + (f.dc()[m] > 0 ? dqc[m] : 0);
      dvc[m] = dv;
      double dx = dv * Indicator.surrogateGradient(f.xc()[m]);
      dtc[m] = -dx;
      dGroup[m] = dx;
    }
    for (int p = 0; p < hw; p++) {
      for (int q = 0; q < perTap; q++) {
        int i = p * perTap + q;
        int m = groupOf[q % channels];
        if (dGroup[m] != 0 && f.groupNorm()[m] > 0) {
          dWk[i] += dGroup[m] * wk[i] / f.groupNorm()[m];
        }
      }
    }
    // kernel split
    double[] uk = NestedSplit.prefix(f.fk());
    double[] dUk = new double[nk];
    float[] dW = new float[w.length];
    for (int p = 0; p < hw; p++) {
      int j = ringOf[p];
      for (int q = 0; q < perTap; q++) {
        int i = p * perTap + q;
        dUk[j] += dWk[i] * w[i];
        dW[i] = (float) (dWk[i] * uk[j]);
      }
    }
    double[] dfk = NestedSplit.prefixBackward(f.fk(), dUk);
    double[] dqk = NestedSplit.probabilitiesBackward(kept(f.vk(), f.dk(), true), false, dpk);
    double[] dtk = new double[nk];
    double[] dRing = new double[nk];
    double[] dvk = new double[nk];
    for (int j = 1; j < nk; j++) {
      double dv = dfk[j] * f.dk()[j] + (f.dk()[j] > 0 ? dqk[j] : 0);
      dvk[j] = dv;
      double dx = dv * Indicator.surrogateGradient(f.xk()[j]);
      dtk[j] = -dx;
      dRing[j] = dx;
    }
    for (int p = 0; p < hw; p++) {
      int j = ringOf[p];
      if (dRing[j] != 0 && f.ringNorm()[j] > 0) {
        for (int q = 0; q < perTap; q++) {
          int i = p * perTap + q;
          dW[i] += (float) (dRing[j] * w[i] / f.ringNorm()[j]);
        }
      }
    }
    return new Gradients(dW, dtk, dtc, dvk, dvc);
  }

  /**
   * The branch's decision from hard indicators (docs/method.md §7, interpret_useconds): the last kernel
   * before the first off indicator, and likewise the channel option (0 when the first is off).
   * Returns {kernel option index, expansion option index}.
   */
  public int[] decision(Forward f) {
    int k = argmax(f.kernelProbs());
    int e = argmax(f.channelProbs());
    return new int[] {k, e};
  }

  private static int argmax(double[] p) {
    int best = 0;
    for (int i = 1; i < p.length; i++) {
      if (p[i] > p[best]) {
        best = i;
      }
    }
    return best;
  }
}
