package io.s3nas.search;

/**
 * The probability algebra of one nested split (docs/method.md §2.2): indicators {@code q_0..q_{n-1}}
 * over masks {@code M_0..M_{n-1}}; the option "value s_i" has probability
 * {@code P(s_i) = (Π_{j≤i} q_j)(1 − q_{i+1})} (last factor omitted for the last option), and
 * when the split may zero out, option "0" comes first with {@code P(0) = 1 − q_0}.
 * Also the prefix products that scale the masked weights, and both derivatives.
 */
final class NestedSplit {
  private NestedSplit() {}

  /** {@code U_m = Π_{i≤m} f_i}. */
  static double[] prefix(double[] f) {
    double[] u = new double[f.length];
    double acc = 1;
    for (int i = 0; i < f.length; i++) {
      acc *= f[i];
      u[i] = acc;
    }
    return u;
  }

  /** ∂U_m/∂f_i = Π_{j≤m, j≠i} f_j, accumulated: returns Σ_m dU[m]·∂U_m/∂f_i for every i. */
  static double[] prefixBackward(double[] f, double[] dU) {
    int n = f.length;
    double[] df = new double[n];
    for (int m = 0; m < n; m++) {
      if (dU[m] == 0) {
        continue;
      }
      for (int i = 0; i <= m; i++) {
        double p = 1;
        for (int j = 0; j <= m; j++) {
          if (j != i) {
            p *= f[j];
          }
        }
        df[i] += dU[m] * p;
      }
    }
    return df;
  }

  /** Option probabilities: {@code [P(0)] + P(s_0..s_{n-1})}. */
  static double[] probabilities(double[] q, boolean zeroable) {
    int n = q.length;
    double[] qq = prefix(q);
    int off = zeroable ? 1 : 0;
    double[] p = new double[n + off];
    if (zeroable) {
      p[0] = 1 - q[0];
    }
    for (int m = 0; m < n; m++) {
      p[m + off] = qq[m] * (m + 1 < n ? 1 - q[m + 1] : 1);
    }
    return p;
  }

  /** Gradient of Σ dp·p with respect to q. */
  static double[] probabilitiesBackward(double[] q, boolean zeroable, double[] dp) {
    int n = q.length;
    int off = zeroable ? 1 : 0;
    double[] qq = prefix(q);
    double[] dq = new double[n];
    if (zeroable) {
      dq[0] -= dp[0];
    }
    double[] dPrefix = new double[n];
    for (int m = 0; m < n; m++) {
      double tail = m + 1 < n ? 1 - q[m + 1] : 1;
      dPrefix[m] += dp[m + off] * tail;
      if (m + 1 < n) {
        dq[m + 1] -= dp[m + off] * qq[m];
      }
    }
    double[] viaPrefix = prefixBackward(q, dPrefix);
    for (int i = 0; i < n; i++) {
      dq[i] += viaPrefix[i];
    }
    return dq;
  }
}
