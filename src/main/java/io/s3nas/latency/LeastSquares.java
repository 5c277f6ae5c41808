package io.s3nas.latency;

import java.util.Arrays;

/** Small dense least-squares problems by the normal equations (a handful of unknowns). */
public final class LeastSquares {
  /** Smallest pivot of the correlation-scaled normal equations below which the columns count as collinear. */
  private static final double COLLINEAR = 1e-6;

  private LeastSquares() {}

  /**
   * The coefficients w minimising Σ (y − Σ_p w_p·column_p)², or null when the columns are (nearly)
   * collinear on these rows.
   */
  public static double[] fit(double[] y, double[]... columns) {
    int d = columns.length;
    double[][] a = new double[d][d];
    double[] b = new double[d];
    for (int i = 0; i < y.length; i++) {
      for (int p = 0; p < d; p++) {
        b[p] += columns[p][i] * y[i];
        for (int q = 0; q < d; q++) {
          a[p][q] += columns[p][i] * columns[q][i];
        }
      }
    }
    // scaled to a correlation matrix, the pivots measure collinearity whatever the columns' units
    double[] s = new double[d];
    for (int p = 0; p < d; p++) {
      s[p] = Math.sqrt(Math.max(a[p][p], 1e-300));
    }
    double[][] c = new double[d][d];
    double[] cb = new double[d];
    for (int p = 0; p < d; p++) {
      cb[p] = b[p] / s[p];
      for (int q = 0; q < d; q++) {
        c[p][q] = a[p][q] / (s[p] * s[q]);
      }
    }
    double[] x = gaussJordan(c, cb, COLLINEAR);
    if (x == null) {
      return null;
    }
    for (int p = 0; p < d; p++) {
      x[p] /= s[p];
    }
    return x;
  }

  /** Solves a·x = b by Gauss-Jordan elimination with partial pivoting (zero where a is singular). */
  public static double[] solve(double[][] a, double[] b) {
    return gaussJordan(a, b, -1);
  }

  /**
   * Gauss-Jordan with partial pivoting. A pivot below {@code minPivot} (in magnitude) returns null;
   * with a negative {@code minPivot} a vanishing pivot leaves that unknown at zero instead.
   */
  private static double[] gaussJordan(double[][] a, double[] b, double minPivot) {
    int n = b.length;
    double[][] m = new double[n][];
    for (int i = 0; i < n; i++) {
      m[i] = Arrays.copyOf(a[i], n + 1);
      m[i][n] = b[i];
    }
    for (int c = 0; c < n; c++) {
      int piv = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) {
          piv = r;
        }
      }
      double[] t = m[c];
      m[c] = m[piv];
      m[piv] = t;
      if (Math.abs(m[c][c]) < Math.max(minPivot, 1e-300)) {
        if (minPivot >= 0) {
          return null;
        }
        continue;
      }
      for (int r = 0; r < n; r++) {
        if (r != c) {
          double f = m[r][c] / m[c][c];
          for (int k = c; k <= n; k++) {
            m[r][k] -= f * m[c][k];
          }
        }
      }
    }
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = Math.abs(m[i][i]) < 1e-300 ? 0 : m[i][n] / m[i][i];
    }
    return x;
  }
}
