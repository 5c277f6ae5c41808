package io.s3nas.data;

/**
 * Light augmentation for small images: a random shift by up to {@code pad} pixels (pad with zeros,
 * crop back, as in the CIFAR/Fashion recipes) and an optional horizontal flip. Off when
 * {@code pad == 0 && !flip}.
 */
public record Augmentation(int pad, boolean flip) {
  public static final Augmentation NONE = new Augmentation(0, false);

  public Augmentation {
    if (pad < 0) {
      throw new IllegalArgumentException("pad >= 0");
    }
  }

  public boolean enabled() {
    return pad > 0 || flip;
  }
}
