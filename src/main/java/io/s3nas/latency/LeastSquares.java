package io.s3nas.latency;

import java.util.Arrays;

/** Small dense least-squares problems by the normal equations (a handful of unknowns). */
public final class LeastSquares {
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
    // scale-free collinearity test: the correlation matrix's determinant
    double det = 1;
    double[][] lu = new double[d][];
    for (int p = 0; p < d; p++) {
      lu[p] = new double[d];
      for (int q = 0; q < d; q++) {
        lu[p][q] = a[p][q] / Math.sqrt(Math.max(a[p][p] * a[q][q], 1e-300));
      }
    }
    for (int c = 0; c < d; c++) {
      int piv = c;
      for (int r = c + 1; r < d; r++) {
        if (Math.abs(lu[r][c]) > Math.abs(lu[piv][c])) {
          piv = r;
        }
      }
      double[] t = lu[c];
      lu[c] = lu[piv];
      lu[piv] = t;
      det *= lu[c][c];
      if (Math.abs(lu[c][c]) < 1e-12) {
        return null;
      }
      for (int r = c + 1; r < d; r++) {
        double f = lu[r][c] / lu[c][c];
        for (int k = c; k < d; k++) {
          lu[r][k] -= f * lu[c][k];
        }
      }
    }
    return Math.abs(det) < 1e-9 ? null : solve(a, b);
  }

  /** Solves a·x = b by Gauss-Jordan elimination with partial pivoting (zero where a is singular). */
  public static double[] solve(double[][] a, double[] b) {
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
      if (Math.abs(m[c][c]) < 1e-300) {
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
