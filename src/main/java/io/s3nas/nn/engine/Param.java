package io.s3nas.nn.engine;

/** A trainable tensor with its gradient; {@code decay} marks tensors that get weight decay (not BN). */
public record Param(String name, float[] value, float[] grad, boolean decay) {
  public Param(String name, int size, boolean decay) {
    this(name, new float[size], new float[size], decay);
  }

  public int size() {
    return value.length;
  }
}
