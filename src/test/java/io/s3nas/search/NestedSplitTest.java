package io.s3nas.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NestedSplitTest {

  @Test
  void hardIndicatorsGiveOneHotOptions() {
    // channels {0,2,4,6}: u = 1,1,0 -> e4
    assertArrayEquals(new double[] {0, 0, 1, 0}, NestedSplit.probabilities(new double[] {1, 1, 0}, true), 0);
    // u_0 = 0 -> skip, whatever follows
    assertArrayEquals(new double[] {1, 0, 0, 0}, NestedSplit.probabilities(new double[] {0, 1, 1}, true), 0);
    // kernels {3,5,7} (never zero): 1,1,1 -> 7
    assertArrayEquals(new double[] {0, 0, 1}, NestedSplit.probabilities(new double[] {1, 1, 1}, false), 0);
  }

  @Test
  void softProbabilitiesSumToOneAndBackwardMatchesFiniteDifferences() {
    double[] qs = {0.7, 0.4, 0.9};
    double[] dp = {0.3, -1.2, 0.5, 2.0};
    for (boolean zero : new boolean[] {true, false}) {
      // without zero-out the first indicator is forced to 1
      double[] q = zero ? qs : new double[] {1, qs[1], qs[2]};
      double[] p = NestedSplit.probabilities(q, zero);
      assertEquals(1.0, Arrays.stream(p).sum(), 1e-12);
      double[] dpp = zero ? dp : Arrays.copyOf(dp, 3);
      double[] g = NestedSplit.probabilitiesBackward(q, zero, dpp);
      for (int i = zero ? 0 : 1; i < q.length; i++) {
        double h = 1e-6;
        double[] a = q.clone();
        double[] b = q.clone();
        a[i] += h;
        b[i] -= h;
        double fd = (dot(NestedSplit.probabilities(a, zero), dpp) - dot(NestedSplit.probabilities(b, zero), dpp)) / (2 * h);
        assertEquals(fd, g[i], 1e-8, "q" + i + " zero=" + zero);
      }
    }
  }

  @Test
  void prefixBackwardMatchesFiniteDifferences() {
    double[] f = {0.5, 2.0, 0.0, 1.5};
    double[] du = {1, -2, 3, 0.5};
    double[] g = NestedSplit.prefixBackward(f, du);
    for (int i = 0; i < f.length; i++) {
      double h = 1e-6;
      double[] a = f.clone();
      double[] b = f.clone();
      a[i] += h;
      b[i] -= h;
      double fd = (dot(NestedSplit.prefix(a), du) - dot(NestedSplit.prefix(b), du)) / (2 * h);
      assertEquals(fd, g[i], 1e-8);
    }
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
