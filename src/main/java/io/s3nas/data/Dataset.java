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
