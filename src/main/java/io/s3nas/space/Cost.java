package io.s3nas.space;

/** Trainable parameters (weights, biases and BN scale/shift) and multiply-accumulates. */
public record Cost(long params, long macs) {
  public static final Cost ZERO = new Cost(0, 0);

  public Cost plus(Cost o) {
    return new Cost(params + o.params, macs + o.macs);
  }
}
