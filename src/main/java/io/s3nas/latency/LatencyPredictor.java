package io.s3nas.latency;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Predicts the latency of components a table lacks, fitted on the table's own entries.
 *
 * <p>Two stages. (1) A linear model over {@link ComponentFeatures} — MACs per layer kind, the same
 * rounded up to the vector width, weights, activation traffic, layer count, residual add — fitted
 * by least squares on relative error (each entry weighted 1/y², so a 10 µs block counts as much as
 * a 1 ms one), with a small ridge term. (2) A nearest-neighbour correction: the median ratio
 * actual/linear of the k most similar entries (log-feature distance, same component class) scales
 * the linear estimate, which captures per-shape effects a global linear model cannot (memory tiling
 * and bank conflicts on an NPU, cache behaviour on a CPU). Far outside the table, the correction
 * fades and the linear, physically shaped model extrapolates.
 *
 * <p>Accuracy is reported by k-fold cross-validation ({@link #crossValidate}): the share of held-out
 * entries within ±10% and ±5%, the bar nn-Meter sets for kernel-level predictors.
 */
public final class LatencyPredictor {
  /** A training example: a component and its latency in ms. */
  public record Sample(Component component, double ms) {}

  /** Held-out accuracy of the predictor. */
  public record Accuracy(int n, int folds, double within10, double within5, double medianAbsRelError,
                         double maxAbsRelError, double p90AbsRelError) {}

  private static final int NEIGHBOURS = 3;
  private static final double RIDGE = 1e-6;

  private final int width;
  private final double[] weights;
  private final List<double[]> trainKeys = new ArrayList<>();
  private final List<String> trainClass = new ArrayList<>();
  private final List<Double> trainRatio = new ArrayList<>();
  private final double[] keyScale;

  private LatencyPredictor(int width, double[] weights, double[] keyScale) {
    this.width = width;
    this.weights = weights;
    this.keyScale = keyScale;
  }

  /** Fits on samples; {@code width} is the accelerator's vector width used to align channels. */
  public static LatencyPredictor fit(List<Sample> samples, int width) {
    if (samples.size() < ComponentFeatures.NAMES.size()) {
      throw new IllegalArgumentException("need at least " + ComponentFeatures.NAMES.size()
          + " table entries to fit a predictor, got " + samples.size());
    }
    int d = ComponentFeatures.NAMES.size();
    double[][] xs = new double[samples.size()][];
    double[] ys = new double[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      xs[i] = linearFeatures(samples.get(i).component(), width);
      ys[i] = samples.get(i).ms();
    }
    double[] w = weightedLeastSquares(xs, ys, xs[0].length);
    double[] scale = new double[d];
    List<double[]> keys = new ArrayList<>();
    for (Sample s : samples) {
      keys.add(neighbourKey(s.component(), width));
    }
    for (int j = 0; j < d; j++) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (double[] k : keys) {
        lo = Math.min(lo, k[j]);
        hi = Math.max(hi, k[j]);
      }
      scale[j] = hi > lo ? 1.0 / (hi - lo) : 0;
    }
    LatencyPredictor p = new LatencyPredictor(width, w, scale);
    for (int i = 0; i < samples.size(); i++) {
      double lin = p.linear(xs[i]);
      if (lin > 0 && ys[i] > 0) {
        p.trainKeys.add(keys.get(i));
        p.trainClass.add(samples.get(i).component().tableClass());
        p.trainRatio.add(ys[i] / lin);
      }
    }
    return p;
  }

  /** Predicted latency in ms (never negative). */
  public double predict(Component c) {
    double lin = linear(linearFeatures(c, width));
    if (lin <= 0) {
      lin = 1e-6;
    }
    double[] key = neighbourKey(c, width);
    String cls = c.tableClass();
    int k = NEIGHBOURS;
    double[] bestD = new double[k];
    double[] bestR = new double[k];
    Arrays.fill(bestD, Double.POSITIVE_INFINITY);
    for (int i = 0; i < trainKeys.size(); i++) {
      if (!trainClass.get(i).equals(cls)) {
        continue;
      }
      double dist = distance(key, trainKeys.get(i));
      for (int j = 0; j < k; j++) {
        if (dist < bestD[j]) {
          for (int m = k - 1; m > j; m--) {
            bestD[m] = bestD[m - 1];
            bestR[m] = bestR[m - 1];
          }
          bestD[j] = dist;
          bestR[j] = trainRatio.get(i);
          break;
        }
      }
    }
    int found = 0;
    while (found < k && bestD[found] < Double.POSITIVE_INFINITY) {
      found++;
    }
    if (found == 0) {
      return lin;
    }
    double[] r = Arrays.copyOf(bestR, found);
    Arrays.sort(r);
    double ratio = r[found / 2];
    // Confidence fades with distance: far from every table entry the linear model is all we trust.
    double trust = Math.exp(-bestD[0] / 0.25);
    return lin * Math.exp(trust * Math.log(ratio));
  }

  /** k-fold cross-validation with a seeded shuffle. */
  public static Accuracy crossValidate(List<Sample> samples, int width, int folds, long seed) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    double[] errs = new double[samples.size()];
    for (int f = 0; f < folds; f++) {
      List<Sample> train = new ArrayList<>();
      List<Integer> test = new ArrayList<>();
      for (int i = 0; i < idx.size(); i++) {
        if (i % folds == f) {
          test.add(idx.get(i));
        } else {
          train.add(samples.get(idx.get(i)));
        }
      }
      LatencyPredictor p = fit(train, width);
      for (int t : test) {
        Sample s = samples.get(t);
        errs[t] = Math.abs(p.predict(s.component()) - s.ms()) / Math.max(s.ms(), 1e-12);
      }
    }
    int n10 = 0;
    int n5 = 0;
    for (double e : errs) {
      n10 += e <= 0.10 ? 1 : 0;
      n5 += e <= 0.05 ? 1 : 0;
    }
    double[] sorted = errs.clone();
    Arrays.sort(sorted);
    return new Accuracy(errs.length, folds, (double) n10 / errs.length, (double) n5 / errs.length,
        sorted[sorted.length / 2], sorted[sorted.length - 1], sorted[(int) Math.floor(0.9 * (sorted.length - 1))]);
  }

  private double linear(double[] x) {
    double s = 0;
    for (int j = 0; j < x.length; j++) {
      s += weights[j] * x[j];
    }
    return s;
  }

  /**
   * Linear features: the additive cost terms of {@link ComponentFeatures}, with separate weights
   * for fused blocks, depthwise blocks and plain layers (their compute maps differently onto the
   * hardware), plus a per-layer roofline term max(compute, memory).
   */
  private static double[] linearFeatures(Component c, int width) {
    double[] f = ComponentFeatures.of(c, width);
    double roof = ComponentFeatures.roofline(c, width);
    double[] base = new double[] {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], roof};
    int group = c instanceof Component.Block b ? (b.args().type().fused() ? 0 : 1) : 2;
    double[] x = new double[base.length * 3];
    System.arraycopy(base, 0, x, group * base.length, base.length);
    return x;
  }

  private static double[] neighbourKey(Component c, int width) {
    double[] f = ComponentFeatures.of(c, width);
    double[] k = new double[f.length];
    for (int j = 0; j < f.length; j++) {
      k[j] = Math.log1p(Math.max(0, f[j]) * (j >= 2 && j <= 11 ? 1e3 : 1));
    }
    return k;
  }

  private double distance(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      double d = (a[j] - b[j]) * keyScale[j];
      s += d * d;
    }
    return Math.sqrt(s);
  }

  /** min Σ ((y − x·w)/y)² + ridge·|w|² by the normal equations. */
  private static double[] weightedLeastSquares(double[][] xs, double[] ys, int d) {
    double[][] a = new double[d][d];
    double[] b = new double[d];
    for (int i = 0; i < xs.length; i++) {
      double wi = 1.0 / Math.max(ys[i] * ys[i], 1e-18);
      for (int p = 0; p < d; p++) {
        b[p] += wi * xs[i][p] * ys[i];
        for (int q = 0; q < d; q++) {
          a[p][q] += wi * xs[i][p] * xs[i][q];
        }
      }
    }
    double trace = 0;
    for (int p = 0; p < d; p++) {
      trace += a[p][p];
    }
    for (int p = 0; p < d; p++) {
      a[p][p] += RIDGE * trace / d + 1e-12;
    }
    return LeastSquares.solve(a, b);
  }

}
