package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every backward pass against central finite differences of its forward, on tiny tensors. */
class KernelGradientTest {
  private static final Parallel TWO = new Parallel(2);

  static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  /** Checks d(Σ r·f())/d(v[i]) against {@code analytic[i]} for a sample of i. */
  static void check(String what, float[] v, float[] analytic, float[] r, Supplier<float[]> f, double tol) {
    Random pick = new Random(what.hashCode());
    double h = 1e-2;
    for (int t = 0; t < Math.min(30, v.length); t++) {
      int i = v.length <= 30 ? t : pick.nextInt(v.length);
      float keep = v[i];
      v[i] = (float) (keep + h);
      double up = dot(r, f.get());
      v[i] = (float) (keep - h);
      double down = dot(r, f.get());
      v[i] = keep;
      double fd = (up - down) / (2 * h);
      assertEquals(fd, analytic[i], tol * (1 + Math.abs(fd)), what + "[" + i + "]");
    }
  }

  /**
   * Shapes that reach every path of the kernels: ragged rows and partial vectors through the copy
   * path (5, 6), and 24 and 40 channels: full vectors plus exactly half a vector under AVX-512 (the
   * unmasked half-width path of {@code Vec}), whole vectors under AVX2.
   */
  @Test
  void gemmBackward() {
    gemmBackward(7, 5, 6);
    gemmBackward(9, 24, 40);
    gemmBackward(17, 16, 48); // 8-row tiles: two vectors, then a full one alone, then a row past them
  }

  void gemmBackward(int p, int k, int n) {
    float[] x = random(p * k, 1);
    float[] w = random(k * n, 2);
    float[] r = random(p * n, 3);
    Supplier<float[]> f = () -> {
      float[] y = new float[p * n];
      Gemm.forward(TWO, x, p, k, w, n, y);
      return y;
    };
    float[] dx = new float[p * k];
    Gemm.backwardInput(TWO, r, p, n, Gemm.transpose(w, k, n), k, dx);
    float[] dw = new float[k * n];
    Gemm.backwardWeight(TWO, x, p, k, r, n, dw, Parallel.sliceSums(k * n));
    check("gemm dx " + k + "x" + n, x, dx, r, f, 1e-3);
    check("gemm dw " + k + "x" + n, w, dw, r, f, 1e-3);
  }

  @Test
  void depthwiseForwardIsTensorflowSameAndBackwardMatches() {
    // a single 1 at the centre pixel reproduces the (flipped) kernel around it
    int k = 3;
    float[] x = new float[5 * 5];
    x[12] = 1;
    float[] w = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float[] y = new float[25];
    Depthwise.forward(TWO, x, 1, 5, 5, 1, w, k, 1, y);
    assertEquals(9f, y[6]);
    assertEquals(1f, y[18]);
    for (int stride : new int[] {1, 2}) {
      for (int size : new int[] {6, 7}) {
        for (int c : new int[] {3, 24}) {
        int n = 2;
        int kk = 5;
        float[] xs = random(n * size * size * c, 4);
        float[] ws = random(kk * kk * c, 5);
        int o = Depthwise.outSize(size, stride);
        float[] r = random(n * o * o * c, 6);
        Supplier<float[]> f = () -> {
          float[] out = new float[n * o * o * c];
          Depthwise.forward(TWO, xs, n, size, size, c, ws, kk, stride, out);
          return out;
        };
        float[] dx = new float[xs.length];
        float[] dw = new float[ws.length];
        int need = Depthwise.backwardScratch(Depthwise.Shape.of(n, size, size, c, kk, stride));
        float[][] scratch = {new float[need], new float[need]};
        Depthwise.backward(TWO, xs, n, size, size, c, ws, kk, stride, r, dx, dw, scratch);
        check("dw dx s" + stride + " " + size + " c" + c, xs, dx, r, f, 1e-3);
        check("dw dw s" + stride + " " + size + " c" + c, ws, dw, r, f, 1e-3);
        }
      }
    }
  }

  @Test
  void stride2SamePadsBottomRightLikeTensorflow() {
    // 4x4 input, k3 s2: TF pads 0 before, 1 after; output (0,0) covers input rows/cols 0..2
    float[] x = new float[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i;
    }
    float[] w = new float[9];
    java.util.Arrays.fill(w, 1f);
    float[] y = new float[4];
    Depthwise.forward(TWO, x, 1, 4, 4, 1, w, 3, 2, y);
    assertEquals(0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10, y[0]);
    assertEquals(10 + 11 + 14 + 15, y[3]);
  }

  @Test
  void batchNormBackwardWithAndWithoutRelu() {
    for (int c : new int[] {3, 24}) {
      batchNormBackward(40, c);
    }
  }

  void batchNormBackward(int p, int c) {
    // with 24 channels some pre-activation lies within a finite-difference step of ReLU's kink, so
    // the ReLU is checked there against the plain forward instead
    for (boolean relu : c == 3 ? new boolean[] {true, false} : new boolean[] {false}) {
      float[] x = random(p * c, 7);
      float[] gamma = new float[c];
      float[] beta = new float[c];
      for (int i = 0; i < c; i++) { // (values whose finite differences stay clear of ReLU's kink)
        gamma[i] = new float[] {1.5f, 0.7f, 1.1f}[i % 3];
        beta[i] = new float[] {0.1f, -0.2f, 0.3f}[i % 3];
      }
      float[] r = random(p * c, 8);
      BatchNorm bn = new BatchNorm(c, 1e-3, 2);
      Supplier<float[]> f = () -> {
        float[] y = new float[p * c];
        new BatchNorm(c, 1e-3, 2).forward(TWO, x, p, gamma, beta, relu, y);
        return y;
      };
      float[] y = new float[p * c];
      bn.forward(TWO, x, p, gamma, beta, relu, y);
      // what a block that drops its activations gives backward: the same output, recomputed
      float[] again = new float[p * c];
      bn.recompute(TWO, x, p, gamma, beta, relu, again);
      assertArrayEquals(y, again, "recompute c" + c + " relu=" + relu);
      float[] dx = new float[p * c];
      float[] dg = new float[c];
      float[] db = new float[c];
      bn.backward(TWO, x, p, gamma, beta, relu, r, dx, dg, db);
      check("bn dx c" + c + " relu=" + relu, x, dx, r, f, 2e-3);
      check("bn dgamma c" + c + " relu=" + relu, gamma, dg, r, f, 2e-3);
      check("bn dbeta c" + c + " relu=" + relu, beta, db, r, f, 2e-3);
      if (!relu) {
        float[] yr = new float[p * c];
        new BatchNorm(c, 1e-3, 2).forward(TWO, x, p, gamma, beta, true, yr);
        for (int i = 0; i < p * c; i++) {
          assertEquals(Math.max(0f, y[i]), yr[i], 1e-6, "relu " + i);
        }
      }
    }
  }

  @Test
  void depthwiseOnAChannelViewEqualsTheSameConvolutionOnTheSlice() {
    // views below half a vector, and of full vectors plus a half one; rows wider than the kernel and not
    view(2, 7, 20, 4, 12, 5);
    view(2, 9, 56, 8, 40, 7);
    view(1, 5, 56, 16, 40, 7);
  }

  /** The view's input gradient is added into dx's view and every other channel left as it was. */
  void view(int n, int h, int cs, int co, int cl, int k) {
    for (int stride : new int[] {1, 2}) {
      float[] x = random(n * h * h * cs, 10);
      float[] w = random(k * k * cl, 11);
      int o = Depthwise.outSize(h, stride);
      float[] y = new float[n * o * o * cs];
      java.util.Arrays.fill(y, 7f);
      Depthwise.forward(TWO, x, new Depthwise.Shape(n, h, h, cs, co, cl, k, stride), w, y);
      float[] xs = new float[n * h * h * cl];
      for (int p = 0; p < n * h * h; p++) {
        System.arraycopy(x, p * cs + co, xs, p * cl, cl);
      }
      float[] ys = new float[n * o * o * cl];
      Depthwise.forward(TWO, xs, n, h, h, cl, w, k, stride, ys);
      for (int p = 0; p < n * o * o; p++) {
        for (int c = 0; c < cs; c++) {
          float expect = c >= co && c < co + cl ? ys[p * cl + c - co] : 7f;
          assertEquals(expect, y[p * cs + c], 1e-5, "stride " + stride + " pixel " + p + " channel " + c);
        }
      }
      float[] dy = random(n * o * o * cs, 12);
      float[] dx = new float[x.length];
      java.util.Arrays.fill(dx, 3f);
      float[] dw = new float[w.length];
      Depthwise.Shape view = new Depthwise.Shape(n, h, h, cs, co, cl, k, stride);
      int need = Depthwise.backwardScratch(view);
      Depthwise.backward(TWO, x, view, w, dy, dx, dw, Parallel.sliceSums(need));
      float[] dys = new float[n * o * o * cl];
      for (int p = 0; p < n * o * o; p++) {
        System.arraycopy(dy, p * cs + co, dys, p * cl, cl);
      }
      float[] dxs = new float[xs.length];
      float[] dws = new float[w.length];
      Depthwise.backward(TWO, xs, n, h, h, cl, w, k, stride, dys, dxs, dws,
          Parallel.sliceSums(need));
      for (int i = 0; i < w.length; i++) {
        assertEquals(dws[i], dw[i], 1e-4);
      }
      for (int p = 0; p < n * h * h; p++) {
        for (int c = 0; c < cs; c++) {
          float expect = c >= co && c < co + cl ? dxs[p * cl + c - co] : 3f; // the view overwritten, only it
          assertEquals(expect, dx[p * cs + c], 1e-4, "h " + h + " cl " + cl + " k " + k + " stride " + stride);
        }
      }
    }
  }

  @Test
  void partialVectorsAreHandledWithoutMaskedIntrinsics() {
    // 10 classes: one full vector of 8 and a tail of 2
    int p = 5;
    int k = 3;
    int n = 10;
    float[] x = random(p * k, 13);
    float[] w = random(k * n, 14);
    float[] y = new float[p * n];
    Gemm.forward(TWO, x, p, k, w, n, y);
    for (int r = 0; r < p; r++) {
      for (int j = 0; j < n; j++) {
        double e = 0;
        for (int i = 0; i < k; i++) {
          e += x[r * k + i] * w[i * n + j];
        }
        assertEquals(e, y[r * n + j], 1e-5);
      }
    }
  }

  @Test
  void gemmTilesAgreeWithTheDefinitionOnRaggedShapes() {
    // rows across several weight-gradient chunks, k not a multiple of the 4-row tile, n with two-vector
    // tiles, a single vector and a partial one; then n ending in a full and a half vector (24, 56 under
    // AVX-512), which the 8-row tile takes in one pass
    gemmAgreesWithTheDefinition(2 * Gemm.CHUNK + 87, 13, 3 * Vec.L + 5);
    if (Vec.H != null) {
      gemmAgreesWithTheDefinition(2 * Gemm.CHUNK + 87, 13, Vec.L + Vec.H.length());
      gemmAgreesWithTheDefinition(203, 48, 3 * Vec.L + Vec.H.length());
    }
  }

  private void gemmAgreesWithTheDefinition(int p, int k, int n) {
    float[] x = random(p * k, 21);
    float[] w = random(k * n, 22);
    float[] dy = random(p * n, 23);
    float[] y = new float[p * n];
    Gemm.forward(TWO, x, p, k, w, n, y);
    float[] dw = new float[k * n];
    Gemm.backwardWeight(TWO, x, p, k, dy, n, dw, Parallel.sliceSums(k * n));
    for (int r = 0; r < p; r++) {
      for (int j = 0; j < n; j++) {
        double e = 0;
        for (int i = 0; i < k; i++) {
          e += x[r * k + i] * w[i * n + j];
        }
        assertEquals(e, y[r * n + j], 1e-4 * (1 + Math.abs(e)), "n " + n + ": y[" + r + "][" + j + "]");
      }
    }
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < n; j++) {
        double e = 0;
        for (int r = 0; r < p; r++) {
          e += x[r * k + i] * dy[r * n + j];
        }
        assertEquals(e, dw[i * n + j], 1e-3 * (1 + Math.abs(e)), "dw[" + i + "][" + j + "]");
      }
    }
  }

  @Test
  void weightGradientAlongKAgreesWithTheDefinition() {
    // a projection's shapes: K in whole vectors (a two-vector tile, then one vector), few columns
    // (four-column tiles, then single columns), rows across several chunks
    int k = 3 * Vec.L;
    for (int n : new int[] {Vec.L, 6, Vec.L + Vec.L / 2 + 1}) {
      assertTrue(Gemm.alongK(k, n), "k " + k + " n " + n + " goes along K");
      int p = 2 * Gemm.CHUNK + 41;
      float[] x = random(p * k, 31);
      float[] dy = random(p * n, 32);
      float[] dw = new float[k * n];
      java.util.Arrays.fill(dw, 9f); // overwritten
      Gemm.backwardWeight(TWO, x, p, k, dy, n, dw, Parallel.sliceSums(k * n));
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < n; j++) {
          double e = 0;
          for (int r = 0; r < p; r++) {
            e += (double) x[r * k + i] * dy[r * n + j];
          }
          assertEquals(e, dw[i * n + j], 1e-3 * (1 + Math.abs(e)), "n " + n + " dw[" + i + "][" + j + "]");
        }
      }
    }
    assertFalse(Gemm.alongK(13, Vec.L), "K not in whole vectors");
    assertFalse(Gemm.alongK(4 * Vec.L, 2 * Vec.L), "two vectors of columns go along N");
  }

  @Test
  void depthwiseBackwardAgreesWithTheDefinitionOnTheSupernetsShapes() {
    // the search spaces' kernels (their sliding kernels), 1 and 9 (the tiles); strides 1 and 2;
    // channels in whole vectors plus exactly half a vector, and with a ragged tail: each vector path of
    // the input and weight gradients, and the scalar one
    for (int c : new int[] {2 * Vec.L + Vec.L / 2, 2 * Vec.L + 3}) {
      for (int h : new int[] {28, 14, 7, 4}) {
        for (int k : new int[] {1, 3, 5, 7, 9}) {
          for (int stride : new int[] {1, 2}) {
            int n = 2;
            int o = Depthwise.outSize(h, stride);
            float[] x = random(n * h * h * c, 41);
            float[] w = random(k * k * c, 42);
            float[] dy = random(n * o * o * c, 43);
            float[] dx = new float[x.length];
            float[] dw = new float[w.length];
            java.util.Arrays.fill(dx, 9f); // overwritten, not accumulated into
            int need = Depthwise.backwardScratch(Depthwise.Shape.of(n, h, h, c, k, stride));
            Depthwise.backward(TWO, x, n, h, h, c, w, k, stride, dy, dx, dw, Parallel.sliceSums(need));
            double[][] e = depthwiseBackwardByDefinition(x, n, h, c, w, k, stride, dy);
            String at = "c " + c + " h " + h + " k " + k + " s " + stride;
            for (int i = 0; i < dx.length; i++) {
              assertEquals(e[0][i], dx[i], 1e-4 * (1 + Math.abs(e[0][i])), "dx " + at + " at " + i);
            }
            for (int i = 0; i < dw.length; i++) {
              assertEquals(e[1][i], dw[i], 1e-4 * (1 + Math.abs(e[1][i])), "dw " + at + " at " + i);
            }
          }
        }
      }
    }
  }

  /** ∂L/∂x and ∂L/∂w of {@link #depthwiseByDefinition} for output gradient dy, in doubles. */
  static double[][] depthwiseBackwardByDefinition(float[] x, int n, int h, int c, float[] w, int k, int stride,
                                                  float[] dy) {
    int o = Depthwise.outSize(h, stride);
    int pad = Math.max((o - 1) * stride + k - h, 0) / 2;
    double[] dx = new double[x.length];
    double[] dw = new double[w.length];
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < o; oy++) {
        for (int ox = 0; ox < o; ox++) {
          for (int ch = 0; ch < c; ch++) {
            double g = dy[((b * o + oy) * o + ox) * c + ch];
            for (int ky = 0; ky < k; ky++) {
              for (int kx = 0; kx < k; kx++) {
                int iy = oy * stride + ky - pad;
                int ix = ox * stride + kx - pad;
                if (iy >= 0 && iy < h && ix >= 0 && ix < h) {
                  int xi = ((b * h + iy) * h + ix) * c + ch;
                  dx[xi] += g * w[(ky * k + kx) * c + ch];
                  dw[(ky * k + kx) * c + ch] += g * x[xi];
                }
              }
            }
          }
        }
      }
    }
    return new double[][] {dx, dw};
  }

  /** TensorFlow-SAME depthwise convolution by its definition, one output at a time. */
  static float[] depthwiseByDefinition(float[] x, int n, int h, int c, float[] w, int k, int stride) {
    int o = Depthwise.outSize(h, stride);
    int pad = Math.max((o - 1) * stride + k - h, 0) / 2;
    float[] y = new float[n * o * o * c];
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < o; oy++) {
        for (int ox = 0; ox < o; ox++) {
          for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int ky = 0; ky < k; ky++) {
              for (int kx = 0; kx < k; kx++) {
                int iy = oy * stride + ky - pad;
                int ix = ox * stride + kx - pad;
                if (iy >= 0 && iy < h && ix >= 0 && ix < h) {
                  sum += x[((b * h + iy) * h + ix) * c + ch] * w[(ky * k + kx) * c + ch];
                }
              }
            }
            y[((b * o + oy) * o + ox) * c + ch] = (float) sum;
          }
        }
      }
    }
    return y;
  }

  @Test
  void depthwiseVectorPathsAgreeWithTheDefinitionOnTheSupernetsShapes() {
    // vector-wide channel counts with a ragged tail, the supernet's sizes, kernels and strides
    int c = 2 * Vec.L + 3;
    for (int h : new int[] {28, 14, 7}) {
      for (int k : new int[] {3, 5, 7}) {
        for (int stride : new int[] {1, 2}) {
          float[] x = random(2 * h * h * c, 31);
          float[] w = random(k * k * c, 32);
          int o = Depthwise.outSize(h, stride);
          float[] y = new float[2 * o * o * c];
          java.util.Arrays.fill(y, 9f); // overwritten, not accumulated into
          Depthwise.forward(TWO, x, 2, h, h, c, w, k, stride, y);
          float[] e = depthwiseByDefinition(x, 2, h, c, w, k, stride);
          for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], y[i], 1e-4, "h " + h + " k " + k + " s " + stride + " at " + i);
          }
        }
      }
    }
  }
}
