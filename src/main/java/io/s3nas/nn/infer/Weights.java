package io.s3nas.nn.infer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where an inference network's weights come from, by the training engine's layer names
 * ({@code stem}, {@code block3.expand}, {@code block3.fused}, {@code block3.project}, {@code head},
 * {@code head.expand}, {@code head.mix}, {@code block3.se.reduce}, {@code head.fc}): random for
 * latency timing, or trained tensors with BN folded in. Conv weights are YXIO, depthwise
 * {@code [k, k, C, 1]}, dense {@code [in, out]}.
 */
public interface Weights {
  /** A k×k conv with BN folded: weights and bias. */
  INDArray[] conv(String layer, int k, int cin, int cout);

  /** Depthwise group {@code group} of a block (channels {@code [offset, offset+channels)} of its BN), folded. */
  INDArray[] depthwise(String block, int group, int k, int offset, int channels);

  /** A dense layer (1x1 conv on a pooled vector): weights and bias (zeros where the layer has none). */
  INDArray[] dense(String layer, int in, int out);
}
