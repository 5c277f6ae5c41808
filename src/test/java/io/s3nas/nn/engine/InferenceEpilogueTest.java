package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * Evaluation's fused convolutions: a 1x1 product with inference BatchNorm (and ReLU) applied in
 * registers, and a depthwise convolution with it applied to each output row, give the same floats,
 * bit for bit, as the convolution stored and then normalised in a pass of its own: every GEMM tile
 * shape (row counts off the 4-row tile; full, half and odd vector tails) and MixConv channel groups
 * (each group normalised with its own channels' statistics), strides 1 and 2.
 */
class InferenceEpilogueTest {
  private static final Parallel TWO = new Parallel(2);

  @Test
  void theEpilogueEqualsAProductFollowedByInferenceBatchNorm() {
    for (int n : new int[] {8, 16, 24, 40, 96, 17}) {
      for (int p : new int[] {1, 7, 64, 130}) {
        for (boolean relu : new boolean[] {true, false}) {
          int k = 20;
          float[] x = KernelGradientTest.random(p * k, 1 + n + p);
          float[] w = KernelGradientTest.random(k * n, 2 + n);
          float[] gamma = KernelGradientTest.random(n, 3);
          float[] beta = KernelGradientTest.random(n, 4);
          float[] mean = KernelGradientTest.random(n, 5);
          float[] var = KernelGradientTest.random(n, 6);
          for (int i = 0; i < n; i++) {
            var[i] = 0.5f + Math.abs(var[i]);
          }
          BatchNorm bn = new BatchNorm(n, 1e-3, 2);
          float[] plain = new float[p * n];
          Gemm.forward(TWO, x, p, k, w, n, plain);
          float[] expected = new float[p * n];
          bn.inference(TWO, plain, p, gamma, beta, mean, var, relu, expected);
          float[][] f = bn.inferenceAffine(gamma, beta, mean, var);
          float[] fused = new float[p * n];
          Gemm.forward(TWO, x, p, k, w, n, fused, f[0], f[1], relu);
          assertArrayEquals(expected, fused, 0f, "n " + n + ", p " + p + ", relu " + relu);
        }
      }
    }
  }

  @Test
  void theDepthwiseEpilogueEqualsAConvolutionFollowedByInferenceBatchNormPerGroup() {
    int n = 3;
    int size = 9;
    int[][] groups = {{0, 24, 3}, {24, 40, 5}, {64, 9, 7}}; // offset, channels, kernel
    int c = 73;
    for (int stride : new int[] {1, 2}) {
      for (boolean relu : new boolean[] {true, false}) {
        float[] x = KernelGradientTest.random(n * size * size * c, 11 + stride);
        float[] gamma = KernelGradientTest.random(c, 12);
        float[] beta = KernelGradientTest.random(c, 13);
        float[] mean = KernelGradientTest.random(c, 14);
        float[] var = KernelGradientTest.random(c, 15);
        for (int i = 0; i < c; i++) {
          var[i] = 0.5f + Math.abs(var[i]);
        }
        BatchNorm bn = new BatchNorm(c, 1e-3, 2);
        float[][] f = bn.inferenceAffine(gamma, beta, mean, var);
        int out = Depthwise.outSize(size, stride);
        float[] plain = new float[n * out * out * c];
        float[] fused = new float[n * out * out * c];
        for (int[] g : groups) {
          float[] wt = KernelGradientTest.random(g[2] * g[2] * g[1], 16 + g[0]);
          Depthwise.Shape s = new Depthwise.Shape(n, size, size, c, g[0], g[1], g[2], stride);
          Depthwise.forward(TWO, x, s, wt, plain);
          Depthwise.forward(TWO, x, s, wt, fused, f[0], f[1], relu);
        }
        float[] expected = new float[plain.length];
        bn.inference(TWO, plain, n * out * out, gamma, beta, mean, var, relu, expected);
        assertArrayEquals(expected, fused, 0f, "stride " + stride + ", relu " + relu);
      }
    }
  }
}
