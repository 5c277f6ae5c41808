package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A MixConv depthwise backward that takes its branches image by image ({@link Depthwise#backward(
 * Parallel, float[], Depthwise.Shape[], float[][], float[], float[], float[][], float[][][], Gemm.Written)})
 * gives each branch's input and weight gradient bit for bit as the branches' backwards one after
 * the other; and the training BatchNorm before it, whose backward sums are read from each image all
 * branches have just finished ({@link BnLayer#gradientSums}), gives what its backward over the whole
 * input gradient gives: the same dγ, dβ and input gradient up to the order of float sums. Branches of full, half and odd channel
 * counts at offsets that are not whole vectors, stride 1 and 2, ReLU and none, one and two threads.
 */
class DepthwiseGradientSumsTest {
  @Test
  void sumsReadFromEachBranchsImagesEqualAPassOfTheirOwn() {
    int[][] branchChannels = {{32}, {24, 40}, {17, 8, 16}};
    int[][] branchKernels = {{3}, {3, 5}, {5, 3, 7}};
    for (int threads : new int[] {1, 2}) {
      Parallel par = new Parallel(threads);
      for (int g = 0; g < branchChannels.length; g++) {
        for (int size : new int[] {5, 12}) {
          for (int stride : new int[] {1, 2}) {
            for (boolean relu : new boolean[] {true, false}) {
              check(par, threads, 19, size, stride, branchChannels[g], branchKernels[g], relu);
            }
          }
        }
      }
    }
  }

  private static void check(Parallel par, int threads, int n, int size, int stride, int[] lengths, int[] kernels,
                            boolean relu) {
    int c = 0;
    for (int l : lengths) {
      c += l;
    }
    int pIn = n * size * size;
    int o = Depthwise.outSize(size, stride);
    float[] e = KernelGradientTest.random(pIn * c, 3 + c + size);
    float[] x = KernelGradientTest.random(pIn * c, 5 + c + size);
    float[] dy = KernelGradientTest.random(n * o * o * c, 6 + size);
    Depthwise.Shape[] shapes = new Depthwise.Shape[lengths.length];
    float[][] weights = new float[lengths.length][];
    for (int b = 0, off = 0; b < lengths.length; off += lengths[b], b++) {
      shapes[b] = new Depthwise.Shape(n, size, size, c, off, lengths[b], kernels[b], stride);
      weights[b] = KernelGradientTest.random(kernels[b] * kernels[b] * lengths[b], 7 + b);
    }
    String at = threads + " threads, " + size + "x" + size + " stride " + stride + ", relu " + relu + ", branches "
        + java.util.Arrays.toString(lengths);
    float[][] scratch = Parallel.sliceSums(shapes.length == 0 ? 0 : maxScratch(shapes));

    BnLayer apart = new BnLayer("apart", c, relu, 1e-3, threads);
    apart.forward(par, e, pIn, true, 0.9, new float[pIn * c]);
    float[] dh1 = new float[pIn * c];
    float[][] dw1 = new float[shapes.length][];
    for (int b = 0; b < shapes.length; b++) {
      dw1[b] = new float[weights[b].length];
      Depthwise.backward(par, x, shapes[b], weights[b], dy, dh1, dw1[b], scratch);
    }
    float[] g1 = new float[pIn * c];
    apart.backward(par, e, pIn, dh1, g1);

    BnLayer summed = new BnLayer("summed", c, relu, 1e-3, threads);
    summed.forward(par, e, pIn, true, 0.9, new float[pIn * c]);
    float[] dh2 = new float[pIn * c];
    float[][] dw2 = new float[shapes.length][];
    for (int b = 0; b < shapes.length; b++) {
      dw2[b] = new float[weights[b].length];
    }
    float[][][] sets = new Scratch(threads).partialSets(Depthwise.backwardScratch(shapes));
    // a first call leaves its sums in the branches' scratch: the second must start each branch afresh
    Depthwise.backward(par, x, shapes, weights, dy, new float[pIn * c], dw2, sets, null);
    Depthwise.backward(par, x, shapes, weights, dy, dh2, dw2, sets, summed.gradientSums(e, dh2));
    summed.finishBackwardSums(pIn);
    float[] g2 = new float[pIn * c];
    summed.kernel.inputGradientRows(e, dh2, relu, 0, pIn, g2, 0);

    assertArrayEquals(dh1, dh2, 0f, "the depthwise input gradient, " + at);
    for (int b = 0; b < shapes.length; b++) {
      assertArrayEquals(dw1[b], dw2[b], 0f, "branch " + b + "'s weight gradient, " + at);
    }
    for (int ch = 0; ch < c; ch++) {
      float dg = apart.gamma.grad()[ch];
      float db = apart.beta.grad()[ch];
      assertEquals(dg, summed.gamma.grad()[ch], 1e-4f * (1 + Math.abs(dg)), "dγ of channel " + ch + ", " + at);
      assertEquals(db, summed.beta.grad()[ch], 1e-4f * (1 + Math.abs(db)), "dβ of channel " + ch + ", " + at);
    }
    for (int i = 0; i < g1.length; i++) {
      assertEquals(g1[i], g2[i], 1e-4f * (1 + Math.abs(g1[i])), "input gradient " + i + ", " + at);
    }
  }

  private static int maxScratch(Depthwise.Shape[] shapes) {
    int m = 0;
    for (Depthwise.Shape s : shapes) {
      m = Math.max(m, Depthwise.backwardScratch(s));
    }
    return m;
  }
}
