package io.s3nas.common;

/** Seeds derived from a run seed and coordinates (epoch, step, ...), so every draw is a pure function of them. */
public final class Seeds {
  private Seeds() {}

  /** SplitMix-style mixing of a seed and two coordinates into one seed. */
  public static long mix(long seed, long a, long b) {
    long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
