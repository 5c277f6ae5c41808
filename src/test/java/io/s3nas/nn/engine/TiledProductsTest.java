package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The products that normalise their expanded operand tile by tile ({@link TiledProducts}) give the
 * same floats, bit for bit, as a BatchNorm pass that writes the operand whole followed by the plain
 * products: at row counts off and across the 64-row groups and 256-row chunks, full, half and odd
 * channel tails, with and without ReLU, at one and two threads.
 */
class TiledProductsTest {
  private static final int[] ROWS = {1, 7, 64, 300, 1000};

  @Test
  void aProductOfANormalisedOperandIsTheProductOfTheNormalisedTensor() {
    for (int threads : new int[] {1, 2}) {
      Parallel par = new Parallel(threads);
      Scratch s = new Scratch(threads);
      for (int k : new int[] {24, 64, 17}) {
        for (int n : new int[] {8, 16, 40}) {
          for (int p : ROWS) {
            for (boolean relu : new boolean[] {true, false}) {
              String at = threads + " threads, k " + k + ", n " + n + ", p " + p + ", relu " + relu;
              float[] d = KernelGradientTest.random(p * k, 1 + k + p);
              BatchNorm bn = normalised(par, d, p, k, threads);
              float[][] affine = bn.trainingAffine(gamma(k), beta(k));
              float[] act = new float[p * k];
              bn.recompute(par, d, p, gamma(k), beta(k), relu, act);
              float[] w = KernelGradientTest.random(k * n, 2 + n);

              float[] y1 = new float[p * n];
              Gemm.forward(par, act, p, k, w, n, y1);
              float[] y2 = new float[p * n];
              int[] told = new int[p];
              TiledProducts.forward(par, d, p, k, affine[0], affine[1], relu, w, n, y2, (t, q, from, to) -> {
                for (int r = from; r < to; r++) {
                  told[r]++;
                }
              }, s);
              assertArrayEquals(y1, y2, 0f, "forward, " + at);
              for (int r = 0; r < p; r++) {
                assertEquals(1, told[r], "row " + r + " told of once, " + at);
              }

              float[] dy = KernelGradientTest.random(p * n, 3 + p);
              float[] dw1 = new float[k * n];
              Gemm.backwardWeight(par, act, p, k, dy, n, dw1, s.partials(k * n));
              float[] dw2 = new float[k * n];
              TiledProducts.weightGradient(par, d, p, k, affine[0], affine[1], relu, dy, n, dw2, s.partials(k * n), s);
              assertArrayEquals(dw1, dw2, 0f, "weight gradient, " + at);
            }
          }
        }
      }
    }
  }

  @Test
  void theExpansionsBackwardChunkByChunkIsItsPassesBackward() {
    for (int threads : new int[] {1, 2}) {
      Parallel par = new Parallel(threads);
      Scratch s = new Scratch(threads);
      for (int cin : new int[] {16, 24, 6}) {
        for (int k : new int[] {48, 40, 17}) {
          for (int p : ROWS) {
            for (boolean relu : new boolean[] {true, false}) {
              String at = threads + " threads, in " + cin + ", expanded " + k + ", p " + p + ", relu " + relu;
              float[] x = KernelGradientTest.random(p * cin, 5 + p);
              float[] e = KernelGradientTest.random(p * k, 6 + k);
              float[] dh = KernelGradientTest.random(p * k, 7 + p + k);
              float[] w = KernelGradientTest.random(cin * k, 8);
              float[] wT = Gemm.transpose(w, cin, k);

              BatchNorm apart = normalised(par, e, p, k, threads);
              float[] g = new float[p * k];
              float[] dGamma1 = new float[k];
              float[] dBeta1 = new float[k];
              apart.backward(par, e, p, gamma(k), beta(k), relu, dh, g, dGamma1, dBeta1);
              float[] dw1 = new float[cin * k];
              Gemm.backwardWeight(par, x, p, cin, g, k, dw1, s.partials(cin * k));
              float[] dx1 = new float[p * cin];
              Gemm.backwardInput(par, g, p, k, wT, cin, dx1);

              BatchNorm tiled = normalised(par, e, p, k, threads);
              tiled.startGradientSums(gamma(k), beta(k));
              par.forSlices(p, (t, q, from, to) -> tiled.addGradientSums(t, q, e, dh, relu, from, to));
              float[] dGamma2 = new float[k];
              float[] dBeta2 = new float[k];
              tiled.finishGradientSums(p, gamma(k), dGamma2, dBeta2);
              float[] dw2 = new float[cin * k];
              float[] dx2 = new float[p * cin];
              TiledProducts.expandBackward(par, tiled, e, dh, relu, p, x, cin, wT, k, dw2, dx2, s.partials(cin * k), s);

              assertArrayEquals(dGamma1, dGamma2, 0f, "dγ, " + at);
              assertArrayEquals(dBeta1, dBeta2, 0f, "dβ, " + at);
              assertArrayEquals(dw1, dw2, 0f, "weight gradient, " + at);
              assertArrayEquals(dx1, dx2, 0f, "input gradient, " + at);
            }
          }
        }
      }
    }
  }

  /** A BatchNorm after a training forward over x (its batch statistics set). */
  private static BatchNorm normalised(Parallel par, float[] x, int p, int c, int threads) {
    BatchNorm bn = new BatchNorm(c, 1e-3, threads);
    bn.forward(par, x, p, gamma(c), beta(c), true, new float[p * c]);
    return bn;
  }

  private static float[] gamma(int c) {
    float[] g = KernelGradientTest.random(c, 11);
    for (int i = 0; i < c; i++) {
      g[i] += 1f;
    }
    return g;
  }

  /** Shifted so that under ReLU some outputs are positive and some are not. */
  private static float[] beta(int c) {
    float[] b = KernelGradientTest.random(c, 12);
    for (int i = 0; i < c; i++) {
      b[i] += 0.3f;
    }
    return b;
  }
}
