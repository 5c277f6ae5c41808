package io.s3nas.latency;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Agreement statistics between estimates and measurements. */
public final class RankStats {
  private RankStats() {}

  /** Spearman's rank correlation (ties get their average rank). */
  public static double spearman(double[] a, double[] b) {
    double[] ra = ranks(a);
    double[] rb = ranks(b);
    return pearson(ra, rb);
  }

  public static double pearson(double[] a, double[] b) {
    int n = a.length;
    double ma = Arrays.stream(a).average().orElse(0);
    double mb = Arrays.stream(b).average().orElse(0);
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < n; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
  }

  static double[] ranks(double[] x) {
    Integer[] idx = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
    Arrays.sort(idx, Comparator.comparingDouble(i -> x[i]));
    double[] r = new double[x.length];
    int i = 0;
    while (i < idx.length) {
      int j = i;
      while (j + 1 < idx.length && x[idx[j + 1]] == x[idx[i]]) {
        j++;
      }
      double avg = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        r[idx[k]] = avg;
      }
      i = j + 1;
    }
    return r;
  }

  /** Share of pairs whose estimate lies within ±{@code tolerance} (relative) of the measurement. */
  public static double within(double[] estimated, double[] measured, double tolerance) {
    int ok = 0;
    for (int i = 0; i < estimated.length; i++) {
      if (Math.abs(estimated[i] - measured[i]) <= tolerance * measured[i]) {
        ok++;
      }
    }
    return estimated.length == 0 ? 0 : (double) ok / estimated.length;
  }
}
