package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class LeastSquaresTest {
  @Test
  void recoversTheCoefficientsOfAnExactLinearRelation() {
    double[] ones = {1, 1, 1, 1, 1};
    double[] sum = {5, 6, 4.5, 9, 7};
    double[] mparams = {0.7, 0.4, 0.9, 1.5, 0.3};
    double[] y = new double[5];
    for (int i = 0; i < 5; i++) {
      y[i] = -0.1 + 1.2 * sum[i] + 0.3 * mparams[i];
    }
    assertArrayEquals(new double[] {-0.1, 1.2, 0.3}, LeastSquares.fit(y, ones, sum, mparams), 1e-9);
  }

  @Test
  void collinearColumnsHaveNoFit() {
    double[] ones = {1, 1, 1, 1};
    double[] sum = {5, 6, 4.5, 9};
    double[] twice = {10, 12, 9, 18};
    assertNull(LeastSquares.fit(new double[] {1, 2, 3, 4}, ones, sum, twice));
  }
}
