package io.s3nas.data;

import java.util.List;
import java.util.Objects;

/**
 * An image classification set held as raw 8-bit pixels, channels-first per image
 * ({@code pixels[i * c*h*w + (ch*h + y)*w + x]}), with integer labels. Compact (Fashion-MNIST's
 * training set is 47 MB) and exact; conversion to normalised floats happens per batch.
 */
public record Dataset(String name, byte[] pixels, int[] labels, int channels, int height, int width,
                      List<String> classNames) {

  public Dataset {
    Objects.requireNonNull(name);
    classNames = List.copyOf(classNames);
    if ((long) labels.length * channels * height * width != pixels.length) {
      throw new IllegalArgumentException(name + ": " + labels.length + " labels but " + pixels.length
          + " pixels for " + channels + "x" + height + "x" + width + " images");
    }
    for (int l : labels) {
      if (l < 0 || l >= classNames.size()) {
        throw new IllegalArgumentException(name + ": label " + l + " outside 0.." + (classNames.size() - 1));
      }
    }
  }

  public int size() {
    return labels.length;
  }

  public int numClasses() {
    return classNames.size();
  }

  public int imageSize() {
    return channels * height * width;
  }

  /**
   * Every image resized to {@code size}×{@code size} with bilinear interpolation (half-pixel
   * centres, as TensorFlow's and PyTorch's {@code align_corners=False}): how a network scaled in
   * resolution (docs/method.md §8) sees a dataset stored at another size.
   */
  public Dataset resized(int size) {
    if (size == height && size == width) {
      return this;
    }
    int n = size();
    byte[] out = new byte[n * channels * size * size];
    double sy = (double) height / size;
    double sx = (double) width / size;
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        int src = (i * channels + c) * height * width;
        int dst = (i * channels + c) * size * size;
        for (int y = 0; y < size; y++) {
          double fy = Math.max(0, (y + 0.5) * sy - 0.5);
          int y0 = Math.min(height - 1, (int) fy);
          int y1 = Math.min(height - 1, y0 + 1);
          double wy = fy - y0;
          for (int x = 0; x < size; x++) {
            double fx = Math.max(0, (x + 0.5) * sx - 0.5);
            int x0 = Math.min(width - 1, (int) fx);
            int x1 = Math.min(width - 1, x0 + 1);
            double wx = fx - x0;
            double v = (1 - wy) * ((1 - wx) * px(src, y0, x0) + wx * px(src, y0, x1))
                + wy * ((1 - wx) * px(src, y1, x0) + wx * px(src, y1, x1));
            out[dst + y * size + x] = (byte) Math.min(255, Math.max(0, Math.round(v)));
          }
        }
      }
    }
    return new Dataset(name + "@" + size, out, labels, channels, size, size, classNames);
  }

  private int px(int base, int y, int x) {
    return pixels[base + y * width + x] & 0xff;
  }

  /** The images at {@code indices}, in that order. */
  public Dataset subset(int[] indices, String newName) {
    int n = imageSize();
    byte[] px = new byte[indices.length * n];
    int[] lb = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(pixels, indices[i] * n, px, i * n, n);
      lb[i] = labels[indices[i]];
    }
    return new Dataset(newName, px, lb, channels, height, width, classNames);
  }

  /** The first {@code n} images (tests and quick runs use slices). */
  public Dataset head(int n) {
    int m = Math.min(n, size());
    int[] idx = new int[m];
    for (int i = 0; i < m; i++) {
      idx[i] = i;
    }
    return subset(idx, name + "[:" + m + "]");
  }

  /** Per-channel mean and standard deviation of the pixels scaled to [0, 1]. */
  public Normalization statistics() {
    double[] sum = new double[channels];
    double[] sq = new double[channels];
    int hw = height * width;
    for (int i = 0; i < size(); i++) {
      int base = i * imageSize();
      for (int c = 0; c < channels; c++) {
        for (int p = 0; p < hw; p++) {
          double v = (pixels[base + c * hw + p] & 0xFF) / 255.0;
          sum[c] += v;
          sq[c] += v * v;
        }
      }
    }
    double[] mean = new double[channels];
    double[] std = new double[channels];
    double count = (double) size() * hw;
    for (int c = 0; c < channels; c++) {
      mean[c] = sum[c] / count;
      std[c] = Math.sqrt(Math.max(1e-12, sq[c] / count - mean[c] * mean[c]));
    }
    return new Normalization(mean, std);
  }
}
