package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The depthwise forward and backward against their definitions summed directly in double precision,
 * on every path: the forward in place (interior tiles, listed edge pixels) and on padded rows, the
 * backward by input rows (tiles of four pixels, single pixels, both loop orders) and stride 2 tap by
 * tap; full, half and scalar channel vectors, maps narrower than the kernel, rows of unequal height
 * and width, on channel views of a wider tensor.
 */
class DepthwiseSumsTest {
  private static final Parallel TWO = new Parallel(2);

  @Test
  void equalsTheDirectSums() {
    int[][] views = {{3, 0, 3}, {24, 0, 24}, {56, 8, 40}, {100, 4, 90}, {16, 0, 16}};
    for (int[] v : views) {
      for (int k : new int[] {3, 5, 7}) {
        for (int stride : new int[] {1, 2}) {
          check(3, 9, 9, v[0], v[1], v[2], k, stride);
          check(2, 4, 4, v[0], v[1], v[2], k, stride);
        }
      }
    }
    check(2, 5, 11, 40, 0, 40, 5, 1);
    check(2, 11, 6, 24, 0, 24, 7, 1);
    check(1, 2, 2, 48, 0, 48, 7, 1);
  }

  @Test
  void forwardEqualsTheDirectSums() {
    int[][] views = {{3, 0, 3}, {24, 0, 24}, {56, 8, 40}, {100, 4, 90}, {32, 0, 32}};
    for (int[] v : views) {
      for (int k : new int[] {3, 5, 7}) {
        for (int stride : new int[] {1, 2}) {
          for (int size : new int[] {4, 7, 9, 28}) {
            forward(1, size, size, v[0], v[1], v[2], k, stride);
          }
        }
      }
    }
    forward(2, 5, 11, 40, 0, 40, 5, 1);
    forward(2, 11, 6, 24, 0, 24, 7, 2);
  }

  private void forward(int n, int h, int w, int cs, int co, int cl, int k, int stride) {
    Depthwise.Shape s = new Depthwise.Shape(n, h, w, cs, co, cl, k, stride);
    int oh = Depthwise.outSize(h, stride);
    int ow = Depthwise.outSize(w, stride);
    float[] x = KernelGradientTest.random(n * h * w * cs, 4);
    float[] wt = KernelGradientTest.random(k * k * cl, 5);
    float[] y = new float[n * oh * ow * cs];
    java.util.Arrays.fill(y, 0.25f);
    Depthwise.forward(TWO, x, s, wt, y);
    int pt = Depthwise.padBefore(h, k, stride);
    int pl = Depthwise.padBefore(w, k, stride);
    String what = "forward n" + n + " " + h + "x" + w + " cs" + cs + " co" + co + " cl" + cl + " k" + k + " s" + stride;
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          for (int c = 0; c < cs; c++) {
            double sum = 0;
            if (c >= co && c < co + cl) {
              for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                  int iy = oy * stride + ky - pt;
                  int ix = ox * stride + kx - pl;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                    sum += (double) x[((b * h + iy) * w + ix) * cs + c] * wt[(ky * k + kx) * cl + c - co];
                  }
                }
              }
            } else {
              sum = 0.25; // outside the view: untouched
            }
            int i = ((b * oh + oy) * ow + ox) * cs + c;
            assertEquals(sum, y[i], 1e-4 * (1 + Math.abs(sum)), what + " y[" + i + "]");
          }
        }
      }
    }
  }

  private void check(int n, int h, int w, int cs, int co, int cl, int k, int stride) {
    Depthwise.Shape s = new Depthwise.Shape(n, h, w, cs, co, cl, k, stride);
    int oh = Depthwise.outSize(h, stride);
    int ow = Depthwise.outSize(w, stride);
    float[] x = KernelGradientTest.random(n * h * w * cs, 1);
    float[] wt = KernelGradientTest.random(k * k * cl, 2);
    float[] dy = KernelGradientTest.random(n * oh * ow * cs, 3);
    float[] dx = new float[x.length];
    java.util.Arrays.fill(dx, 0.5f);
    float[] dw = new float[wt.length];
    int need = Depthwise.backwardScratch(s);
    Depthwise.backward(TWO, x, s, wt, dy, dx, dw, Parallel.sliceSums(need));

    double[] ex = new double[x.length];
    double[] ew = new double[wt.length];
    int pt = Depthwise.padBefore(h, k, stride);
    int pl = Depthwise.padBefore(w, k, stride);
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = oy * stride + ky - pt;
              int ix = ox * stride + kx - pl;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                continue;
              }
              for (int c = 0; c < cl; c++) {
                double g = dy[((b * oh + oy) * ow + ox) * cs + co + c];
                int xi = ((b * h + iy) * w + ix) * cs + co + c;
                int wi = (ky * k + kx) * cl + c;
                ex[xi] += g * wt[wi];
                ew[wi] += g * x[xi];
              }
            }
          }
        }
      }
    }
    String what = "n" + n + " " + h + "x" + w + " cs" + cs + " co" + co + " cl" + cl + " k" + k + " s" + stride;
    for (int i = 0; i < x.length; i++) {
      int c = i % cs;
      double expect = c >= co && c < co + cl ? ex[i] : 0.5; // the view overwritten, only it
      assertEquals(expect, dx[i], 1e-4 * (1 + Math.abs(expect)), what + " dx[" + i + "]");
    }
    for (int i = 0; i < wt.length; i++) {
      assertEquals(ew[i], dw[i], 1e-4 * (1 + Math.abs(ew[i])), what + " dw[" + i + "]");
    }
  }
}
