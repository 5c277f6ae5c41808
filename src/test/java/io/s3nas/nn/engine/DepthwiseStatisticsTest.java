package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A training BatchNorm after a depthwise layer whose statistics are summed from each group of output
 * rows every branch has just written ({@link BnLayer#depthwiseForward}) normalises as the layer's
 * output stored and then normalised in a pass of its own: the same depthwise output bit for bit, the
 * same batch mean and 1/σ and outputs up to the order of float sums. MixConv branches of full, half
 * and odd channel counts at offsets that are not whole vectors, stride 1 and 2, maps whose rows make
 * groups of several rows and of one, one and two threads.
 */
class DepthwiseStatisticsTest {
  @Test
  void statisticsSummedFromEachBranchsRowsEqualAPassOfTheirOwn() {
    int[][] branchChannels = {{32}, {24, 40}, {17, 8, 16}};
    int[][] branchKernels = {{3}, {3, 5}, {5, 3, 7}};
    for (int threads : new int[] {1, 2}) {
      Parallel par = new Parallel(threads);
      for (int g = 0; g < branchChannels.length; g++) {
        for (int size : new int[] {5, 12, 70}) {
          for (int stride : new int[] {1, 2}) {
            check(par, threads, 3, size, stride, branchChannels[g], branchKernels[g]);
          }
        }
      }
    }
  }

  private static void check(Parallel par, int threads, int n, int size, int stride, int[] lengths, int[] kernels) {
    int c = 0;
    for (int l : lengths) {
      c += l;
    }
    float[] x = KernelGradientTest.random(n * size * size * c, 5 + c + size);
    Depthwise.Shape[] shapes = new Depthwise.Shape[lengths.length];
    float[][] weights = new float[lengths.length][];
    for (int b = 0, off = 0; b < lengths.length; off += lengths[b], b++) {
      shapes[b] = new Depthwise.Shape(n, size, size, c, off, lengths[b], kernels[b], stride);
      weights[b] = KernelGradientTest.random(kernels[b] * kernels[b] * lengths[b], 7 + b);
    }
    int o = Depthwise.outSize(size, stride);
    int rows = n * o * o;
    String at = threads + " threads, " + size + "x" + size + " stride " + stride + ", branches "
        + java.util.Arrays.toString(lengths);

    BnLayer apart = new BnLayer("apart", c, true, 1e-3, threads);
    float[] d1 = new float[rows * c];
    for (int b = 0; b < shapes.length; b++) {
      Depthwise.forward(par, x, shapes[b], weights[b], d1);
    }
    float[] y1 = new float[rows * c];
    apart.forward(par, d1, rows, true, 0.9, y1);

    BnLayer summed = new BnLayer("summed", c, true, 1e-3, threads);
    float[] d2 = new float[rows * c];
    float[] y2 = new float[rows * c];
    summed.depthwiseForward(par, x, shapes, weights, d2, 0.9, y2);

    assertArrayEquals(d1, d2, 0f, "the depthwise output, " + at);
    for (int ch = 0; ch < c; ch++) {
      assertEquals(apart.kernel.mean[ch], summed.kernel.mean[ch], 1e-5f * (1 + Math.abs(apart.kernel.mean[ch])),
          "mean of channel " + ch + ", " + at);
      assertEquals(apart.kernel.inv[ch], summed.kernel.inv[ch], 1e-4f * apart.kernel.inv[ch],
          "1/σ of channel " + ch + ", " + at);
      assertEquals(apart.runVar[ch], summed.runVar[ch], 1e-4f * apart.runVar[ch], "running variance, " + at);
    }
    for (int i = 0; i < y1.length; i++) {
      assertEquals(y1[i], y2[i], 1e-4f * (1 + Math.abs(y1[i])), "output " + i + ", " + at);
    }
  }
}
