package io.s3nas.nn.engine;

import java.util.Random;

/** EfficientNet initialisation (docs/method.md §12): convs N(0, √(2/fan_out)), dense U(±1/√out). */
final class Init {
  private Init() {}

  static void normal(float[] a, double std, Random r) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (r.nextGaussian() * std);
    }
  }

  static void uniform(float[] a, double bound, Random r) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
    }
  }
}
