package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * im2col (a stem's or a fused block's convolution as a product) puts, for every output pixel and tap,
 * the input pixel the tap reads, or zero where it falls outside the image: one, three and many channels,
 * kernels 1, 3 and 5, strides 1 and 2, even and odd sizes, and rows started in the middle of the batch.
 */
class Im2colTest {
  @Test
  void everyTapHoldsThePixelItReadsOrZero() {
    for (int cin : new int[] {1, 3, 8, 12}) {
      for (int k : new int[] {1, 3, 5}) {
        for (int stride : new int[] {1, 2}) {
          for (int size : new int[] {4, 7, 28}) {
            check(cin, k, stride, size);
          }
        }
      }
    }
  }

  private static void check(int cin, int k, int stride, int size) {
    int n = 3;
    int outSize = Depthwise.outSize(size, stride);
    int pad = Depthwise.padBefore(size, k, stride);
    float[] in = KernelGradientTest.random(n * size * size * cin, 11 + cin + k + size);
    int kc = k * k * cin;
    float[] col = new float[n * outSize * outSize * kc];
    java.util.Arrays.fill(col, Float.NaN); // every entry must be written
    int rows = n * outSize;
    ConvBn.im2colRows(in, col, 0, rows / 2, k, cin, size, outSize, stride, pad);
    ConvBn.im2colRows(in, col, rows / 2, rows, k, cin, size, outSize, stride, pad);
    String at = "cin " + cin + ", k" + k + ", stride " + stride + ", " + size + "x" + size;
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < outSize; oy++) {
        for (int ox = 0; ox < outSize; ox++) {
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = oy * stride + ky - pad;
              int ix = ox * stride + kx - pad;
              boolean inside = iy >= 0 && iy < size && ix >= 0 && ix < size;
              for (int c = 0; c < cin; c++) {
                float want = inside ? in[((b * size + iy) * size + ix) * cin + c] : 0f;
                float got = col[((b * outSize + oy) * outSize + ox) * kc + (ky * k + kx) * cin + c];
                assertEquals(want, got, 0f, at + ", image " + b + " pixel (" + oy + "," + ox + ") tap (" + ky + ","
                    + kx + ") channel " + c);
              }
            }
          }
        }
      }
    }
  }
}
