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
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();

  private Vec() {}

  static VectorMask<Float> tail(int from, int to) {
    return S.indexInRange(from, to);
  }

  /**
   * The mask for the vector at {@code j} of a row of {@code n}, or null when the vector is full:
   * building a mask is not free in Java 17 and full vectors are the common case.
   */
  static VectorMask<Float> maskOrNull(int j, int n) {
    return j + L <= n ? null : S.indexInRange(j, n);
  }

  static FloatVector load(float[] a, int i, VectorMask<Float> m) {
    return m == null ? FloatVector.fromArray(S, a, i) : FloatVector.fromArray(S, a, i, m);
  }

  static void store(FloatVector v, float[] a, int i, VectorMask<Float> m) {
    if (m == null) {
      v.intoArray(a, i);
    } else {
      v.intoArray(a, i, m);
    }
  }
}
