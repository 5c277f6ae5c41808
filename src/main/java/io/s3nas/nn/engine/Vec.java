package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD width the kernels use. The JDK's Vector API (incubator in Java 17, enabled with
 * {@code --add-modules jdk.incubator.vector}) is used because C2's auto-vectorisation of the same
 * loops was 5–13x slower on this machine (docs/engine-measurements.md).
 */
final class Vec {
  static final VectorSpecies<Float> S = species(Integer.getInteger("s3nas.vector.bits", 0));
  static final int L = S.length();

  private Vec() {}

  static VectorSpecies<Float> species(int bits) {
    return switch (bits) {
      case 128 -> FloatVector.SPECIES_128;
      case 256 -> FloatVector.SPECIES_256;
      case 512 -> FloatVector.SPECIES_512;
      default -> FloatVector.SPECIES_PREFERRED;
    };
  }

  /**
   * The mask for the vector at {@code j} of a row of {@code n}, or null when the vector is full:
   * building a mask is not free in Java 17 and full vectors are the common case.
   */
  static VectorMask<Float> maskOrNull(int j, int n) {
    return j + L <= n ? null : S.indexInRange(j, n);
  }

  /**
   * Loads a full vector, or a partial one (lanes past the mask are 0). Partial vectors go through a
   * small array: on AVX2 the JDK 17 masked load and store are not intrinsified and fall back to
   * per-lane Java code that also pollutes the compiled callers (measured: 3x slower steps).
   */
  static FloatVector load(float[] a, int i, VectorMask<Float> m) {
    if (m == null) {
      return FloatVector.fromArray(S, a, i);
    }
    float[] t = new float[L];
    System.arraycopy(a, i, t, 0, m.trueCount());
    return FloatVector.fromArray(S, t, 0);
  }

  static void store(FloatVector v, float[] a, int i, VectorMask<Float> m) {
    if (m == null) {
      v.intoArray(a, i);
      return;
    }
    float[] t = new float[L];
    v.intoArray(t, 0);
    System.arraycopy(t, 0, a, i, m.trueCount());
  }
}
