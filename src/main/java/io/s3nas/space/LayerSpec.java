package io.s3nas.space;

/**
 * A plain convolution of the stem or head ({@code first_conv}, {@code feature_mix_layer},
 * {@code final_expand_layer} in the model JSON). Square kernels and strides only, as in S3NAS.
 */
public record LayerSpec(String cls, int outputFilters, int kernelSize, int stride) {

  /** The latency-table key of this conv at {@code inputFilters}: {@code k7_s22_i3_o32}. */
  public String lutKey(int inputFilters) {
    return "k" + kernelSize + "_s" + stride + stride + "_i" + inputFilters + "_o" + outputFilters;
  }

  public LayerSpec withOutputFilters(int filters) {
    return new LayerSpec(cls, filters, kernelSize, stride);
  }
}
