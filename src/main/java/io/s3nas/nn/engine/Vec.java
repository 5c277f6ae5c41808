package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD width the kernels use. The JDK's Vector API (incubator in Java 17, enabled with
 * {@code --add-modules jdk.incubator.vector}) is used because C2's auto-vectorisation of the same
 * loops was 5–13x slower on this machine (docs/engine-measurements.md).
 */
final class Vec {
  static final VectorSpecies<Float> S = species(Integer.getInteger("s3nas.vector.bits", 0));
  static final int L = S.length();
  /**
   * Half the width (8 lanes under AVX-512), or null below 8 lanes. Channel counts are multiples of 8
   * (the width divisor), so under AVX-512 a row's partial vector is nearly always exactly this half:
   * it is loaded and stored unmasked at half width instead of through the slow partial path
   * (measured: BatchNorm and depthwise on 72 channels ran at 2.1–2.3x the time per value of 64 or
   * 80; docs/engine-measurements.md).
   */
  static final VectorSpecies<Float> H = L >= 8
      ? VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2)) : null;

  private Vec() {}

  static VectorSpecies<Float> species(int bits) {
    return switch (bits) {
      case 128 -> FloatVector.SPECIES_128;
      case 256 -> FloatVector.SPECIES_256;
      case 512 -> FloatVector.SPECIES_512;
      default -> FloatVector.SPECIES_PREFERRED;
    };
  }

  /** The lanes of the vector at {@code j} of a row of {@code n} that lie in the row: L, or fewer at its end. */
  static int lanes(int j, int n) {
    return Math.min(L, n - j);
  }

  /**
   * Loads {@code lanes} values (lanes past them are 0). A full vector and a half one (the usual
   * tail, see {@link #H}) load unmasked; other partial vectors go through a small array: JDK 17's
   * masked load and store are not intrinsified and fall back to per-lane Java code that also
   * pollutes the compiled callers (measured: 3x slower steps). No mask is built: building one
   * per pixel was itself a measurable cost. Arithmetic stays in the full shape: mixing shapes in
   * one method slowed it 7x (docs/platform-notes.md §6).
   */
  static FloatVector load(float[] a, int i, int lanes) {
    if (lanes == L) {
      return FloatVector.fromArray(S, a, i);
    }
    if (H != null && lanes == H.length()) {
      return loadHalf(a, i);
    }
    float[] t = new float[L];
    System.arraycopy(a, i, t, 0, lanes);
    return FloatVector.fromArray(S, t, 0);
  }

  /** Stores the first {@code lanes} lanes of {@code v}. */
  static void store(FloatVector v, float[] a, int i, int lanes) {
    if (lanes == L) {
      v.intoArray(a, i);
      return;
    }
    if (H != null && lanes == H.length()) {
      storeHalf(v, a, i);
      return;
    }
    float[] t = new float[L];
    v.intoArray(t, 0);
    System.arraycopy(t, 0, a, i, lanes);
  }

  /**
   * Half a vector ({@link #H}) at i, loaded unmasked and widened to the full shape, upper lanes zero:
   * the one way to take the half-vector tail that keeps arithmetic in one shape. Branch-free, so a
   * kernel that knows its tail is exactly half calls it directly (a vector coming out of
   * {@link #load}'s branches is boxed by C2 in a hot loop).
   */
  static FloatVector loadHalf(float[] a, int i) {
    return (FloatVector) FloatVector.fromArray(H, a, i).reinterpretShape(S, 0);
  }

  /** The lower half of {@code v} stored at i: {@link #loadHalf}'s counterpart. */
  static void storeHalf(FloatVector v, float[] a, int i) {
    ((FloatVector) v.reinterpretShape(H, 0)).intoArray(a, i);
  }

  /**
   * Zeroes {@code a[from, to)} a vector at a time. The kernels' scratch is cleared with this rather
   * than {@code Arrays.fill}: inlined into the depthwise backward, the fills took 5% of a training
   * step's samples on JDK 17 against 0.3% on JDK 25 (docs/engine-measurements.md, "2026-12-02 (late
   * morning)").
   */
  static void zero(float[] a, int from, int to) {
    FloatVector z = FloatVector.zero(S);
    int i = from;
    for (; i + L <= to; i += L) {
      z.intoArray(a, i);
    }
    for (; i < to; i++) {
      a[i] = 0f;
    }
  }
}
