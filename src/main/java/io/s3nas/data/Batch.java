package io.s3nas.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/** NCHW float features and integer class labels of one mini-batch. */
public record Batch(INDArray features, int[] labels) {
  public int size() {
    return labels.length;
  }

  /** The images as an NHWC float array (a copy), the layout of the training engines. */
  public float[] nhwc() {
    if (features.size(1) == 1) {
      return features.data().asFloat(); // already a copy
    }
    return features.permute(0, 2, 3, 1).dup('c').data().asFloat();
  }
}
