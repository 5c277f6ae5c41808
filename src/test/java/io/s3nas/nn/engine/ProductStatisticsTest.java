package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A training BatchNorm whose statistics are summed from each group of rows a 1x1 product has just
 * written ({@link Gemm#forward(Parallel, float[], int, int, float[], int, float[], Gemm.Written)})
 * normalises as the product stored and then normalised in passes of their own: the same product
 * bit for bit, the same batch mean and 1/σ and outputs up to the order of float sums, at row counts
 * off and across the 64-row groups, full, half and odd channel tails, one and two threads.
 */
class ProductStatisticsTest {
  @Test
  void statisticsSummedFromTheProductsRowsEqualAPassOfTheirOwn() {
    for (int threads : new int[] {1, 2}) {
      Parallel par = new Parallel(threads);
      for (int n : new int[] {8, 16, 24, 40, 96, 17}) {
        for (int p : new int[] {1, 7, 64, 130, 1000}) {
          int k = 12;
          float[] x = KernelGradientTest.random(p * k, 1 + n + p);
          float[] w = KernelGradientTest.random(k * n, 2 + n);
          float[] gamma = KernelGradientTest.random(n, 3);
          float[] beta = KernelGradientTest.random(n, 4);
          for (int i = 0; i < n; i++) {
            beta[i] += 0.3f; // some outputs positive and some negative under ReLU
          }
          String at = threads + " threads, n " + n + ", p " + p;

          BatchNorm apart = new BatchNorm(n, 1e-3, threads);
          float[] z1 = new float[p * n];
          Gemm.forward(par, x, p, k, w, n, z1);
          float[] y1 = new float[p * n];
          apart.forward(par, z1, p, gamma, beta, true, y1);

          BatchNorm summed = new BatchNorm(n, 1e-3, threads);
          float[] z2 = new float[p * n];
          summed.clearStatistics();
          Gemm.forward(par, x, p, k, w, n, z2, (t, q, from, to) -> summed.addStatistics(t, q, z2, from, to));
          float[] y2 = new float[p * n];
          summed.forwardFromStatistics(par, z2, p, gamma, beta, true, y2);

          assertArrayEquals(z1, z2, 0f, "the product, " + at);
          for (int ch = 0; ch < n; ch++) {
            assertEquals(apart.mean[ch], summed.mean[ch], 1e-5f * (1 + Math.abs(apart.mean[ch])), "mean, " + at);
            assertEquals(apart.inv[ch], summed.inv[ch], 1e-4f * apart.inv[ch], "1/σ, " + at);
          }
          for (int i = 0; i < y1.length; i++) {
            assertEquals(y1[i], y2[i], 1e-4f * (1 + Math.abs(y1[i])), "output " + i + ", " + at);
          }
        }
      }
    }
  }
}
