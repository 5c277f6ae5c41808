package io.s3nas.search;

import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each trainable threshold starts below its norm when the search phase begins
 * (docs/method.md §2.2, "Search start"; {@link SupernetTrainer#startSearch(double, double, List)}):
 * one margin for all, or margins spread log-uniformly by the rank of each decision's accuracy per
 * ms on probe batches, so the order in which decisions go follows the data.
 */
final class StartMargins {
  private StartMargins() {}

  /** {@code sum} (made on first use) plus {@code scale} × the kernel and channel indicators' values. */
  static double[][] add(double[][] sum, double[] kernel, double[] channel, double scale) {
    double[][] s = sum != null ? sum : new double[][] {new double[kernel.length], new double[channel.length]};
    for (int j = 0; j < kernel.length; j++) {
      s[0][j] += scale * kernel[j];
    }
    for (int m = 0; m < channel.length; m++) {
      s[1][m] += scale * channel[m];
    }
    return s;
  }

  /**
   * Each trainable indicator's start margin: {@code margin} for all without scores; with scores,
   * {@code margin · spread^(2r/(n−1) − 1)} for the indicator of rank r among the n (ascending score).
   */
  static double[][][] of(SupernetDecisions decisions, int slots, double[][][] score, double margin, double spread) {
    double[][][] out = new double[slots][2][];
    List<int[]> trainable = new ArrayList<>();
    int ti = 0;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = decisions.kernel(b.index(), i);
        out[ti][0] = new double[k.kernelThresholds().length];
        out[ti][1] = new double[k.channelThresholds().length];
        java.util.Arrays.fill(out[ti][0], margin);
        java.util.Arrays.fill(out[ti][1], margin);
        for (int j = 1; j < out[ti][0].length; j++) {
          trainable.add(new int[] {ti, 0, j});
        }
        for (int m = b.branches().get(i).canZeroOut() ? 0 : 1; m < out[ti][1].length; m++) {
          trainable.add(new int[] {ti, 1, m});
        }
        ti++;
      }
    }
    if (score == null || trainable.size() < 2) {
      return out;
    }
    // ties broken by position, so the order (and a resumed search's) is fully determined
    trainable.sort(java.util.Comparator.comparingDouble((int[] x) -> score[x[0]][x[1]][x[2]]));
    int n = trainable.size();
    for (int r = 0; r < n; r++) {
      int[] x = trainable.get(r);
      out[x[0]][x[1]][x[2]] = margin * Math.pow(spread, 2.0 * r / (n - 1) - 1);
    }
    return out;
  }
}
