package io.s3nas.nn.engine;

/**
 * Whole-tensor elementwise passes of a block — residual adds, drop-connect scalings — split over
 * the pool's threads. They are memory-bound and were run by the calling thread alone while the other spun: 8% of the calling thread's samples in a final-network
 * training step (docs/engine-measurements.md). Each element's arithmetic is what the
 * single-threaded loop did, so results are bit-identical.
 */
final class Elementwise {
  /** Floats per chunk of a flat pass: large enough that the hand-off is noise. */
  private static final int SPAN = 16_384;

  private Elementwise() {}

  /** y[i] += x[i] for i < len. */
  static void addInto(Parallel par, float[] y, float[] x, int len) {
    par.forPieces((len + SPAN - 1) / SPAN, (t, from, to) -> {
      for (int i = from * SPAN, end = Math.min(len, to * SPAN); i < end; i++) {
        y[i] += x[i];
      }
    });
  }

  /** out[i] = a[i] + b[i] for i < len. */
  static void add(Parallel par, float[] a, float[] b, float[] out, int len) {
    par.forPieces((len + SPAN - 1) / SPAN, (t, from, to) -> {
      for (int i = from * SPAN, end = Math.min(len, to * SPAN); i < end; i++) {
        out[i] = a[i] + b[i];
      }
    });
  }

  /** y[i] = y[i]·keep[b] + x[i] over n images of {@code per} floats (image b's keep factor). */
  static void keepAndAdd(Parallel par, float[] y, float[] keep, float[] x, int n, int per) {
    par.forPieces(n, (t, from, to) -> {
      for (int b = from; b < to; b++) {
        float k = keep[b];
        for (int i = b * per; i < (b + 1) * per; i++) {
          y[i] = y[i] * k + x[i];
        }
      }
    });
  }

  /** out[i] = dy[i]·keep[b] over n images of {@code per} floats. */
  static void keep(Parallel par, float[] dy, float[] keep, float[] out, int n, int per) {
    par.forPieces(n, (t, from, to) -> {
      for (int b = from; b < to; b++) {
        float k = keep[b];
        for (int i = b * per; i < (b + 1) * per; i++) {
          out[i] = dy[i] * k;
        }
      }
    });
  }
}
