package io.s3nas.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/** NCHW float features and integer class labels of one mini-batch. */
public record Batch(INDArray features, int[] labels) {
  public int size() {
    return labels.length;
  }
}
