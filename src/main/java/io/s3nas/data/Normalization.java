package io.s3nas.data;

/** Per-channel (x/255 − mean) / std. */
public record Normalization(double[] mean, double[] std) {
  /** Fashion-MNIST training-set statistics (the PyTorch peer uses the same). */
  public static final Normalization FASHION_MNIST = new Normalization(new double[] {0.2860}, new double[] {0.3530});
}
