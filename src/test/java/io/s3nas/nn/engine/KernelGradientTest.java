package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

  @Test
  void gemmBackward() {
    int p = 7;
    int k = 5;
    int n = 6;
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
    Gemm.backwardWeight(TWO, x, p, k, r, n, dw, new float[][] {new float[k * n], new float[k * n]});
    check("gemm dx", x, dx, r, f, 1e-3);
    check("gemm dw", w, dw, r, f, 1e-3);
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
        int n = 2;
        int c = 3;
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
        float[][] scratch = {new float[ws.length], new float[ws.length]};
        Depthwise.backward(TWO, xs, n, size, size, c, ws, kk, stride, r, dx, dw, scratch);
        check("dw dx s" + stride + " " + size, xs, dx, r, f, 1e-3);
        check("dw dw s" + stride + " " + size, ws, dw, r, f, 1e-3);
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
    int p = 40;
    int c = 3;
    for (boolean relu : new boolean[] {true, false}) {
      float[] x = random(p * c, 7);
      float[] gamma = {1.5f, 0.7f, 1.1f};
      float[] beta = {0.1f, -0.2f, 0.3f};
      float[] r = random(p * c, 8);
      BatchNorm bn = new BatchNorm(c, 1e-3, 2);
      Supplier<float[]> f = () -> {
        float[] y = new float[p * c];
        new BatchNorm(c, 1e-3, 2).forward(TWO, x, p, gamma, beta, relu, y, new float[p * c]);
        return y;
      };
      float[] y = new float[p * c];
      float[] mask = new float[p * c];
      bn.forward(TWO, x, p, gamma, beta, relu, y, mask);
      float[] dx = new float[p * c];
      float[] dg = new float[c];
      float[] db = new float[c];
      bn.backward(TWO, x, p, gamma, relu ? mask : null, r, dx, dg, db);
      check("bn dx relu=" + relu, x, dx, r, f, 2e-3);
      check("bn dgamma relu=" + relu, gamma, dg, r, f, 2e-3);
      check("bn dbeta relu=" + relu, beta, db, r, f, 2e-3);
    }
  }
}
