package io.s3nas.nn.engine;

/**
 * One thread's copy of the input rows a depthwise forward's output row reads, padded with zeros left
 * and right, so every output pixel of the row reads a full window and goes in the forward's register
 * tiles — none is an edge pixel summed alone over a list of its taps. Rows are kept in a ring of k and
 * copied once while consecutive output rows of one image reuse them. Channels sit at a pitch of whole
 * vectors. Worth its copy on maps where edge pixels are many: on a 7×7 map with k7 all but one are
 * (docs/engine-measurements.md, "the depthwise forward on padded rows").
 */
final class PaddedRows {
  final float[] buf;
  /** Tap n of the current row (its kernel rows inside the image): where it reads in buf, from a pixel's base. */
  final int[] xoff;
  /** Tap n's weights, from channel 0 of the view. */
  final int[] woff;
  int count;
  private final Depthwise.Shape s;
  private final int cp;
  private final int rw;
  private int image = -1;
  /** The next input row not yet in the ring (rows [next − k, next) of {@link #image} are). */
  private int next;

  PaddedRows(Depthwise.Shape s) {
    this.s = s;
    this.cp = DepthwiseGradient.pitch(s);
    this.rw = ((s.ow() - 1) * s.stride() + s.k()) * cp;
    this.buf = new float[s.k() * rw];
    this.xoff = new int[s.k() * s.k()];
    this.woff = new int[s.k() * s.k()];
  }

  /** Floats from one output pixel's window to the next one's. */
  int pixelStep() {
    return s.stride() * cp;
  }

  /** Where output pixel ox's window starts in buf (add {@link #xoff} for a tap). */
  int window(int ox) {
    return ox * s.stride() * cp;
  }

  /** Forgets the rows in the ring: the next image is new even if it has the same index (a per-image buffer). */
  void forget() {
    image = -1;
  }

  /**
   * Brings in the input rows output row (b, oy) reads and lists its taps; image b's input starts at
   * its place in the batch plus {@code xo} (see {@code Depthwise.forwardRows}).
   */
  void prepare(float[] x, int xo, int b, int oy) {
    int k = s.k();
    int first = oy * s.stride() - s.pt(); // the input row kernel row 0 reads
    int from = Math.max(0, first);
    int to = Math.min(s.h() - 1, first + k - 1);
    if (image != b || from < next - k || next < from) {
      image = b;
      next = from;
    }
    for (; next <= to; next++) {
      int src = ((b * s.h() + next) * s.w()) * s.cs() + s.co() + xo;
      int dst = (next % k) * rw + s.pl() * cp;
      for (int ix = 0; ix < s.w(); ix++) {
        System.arraycopy(x, src + ix * s.cs(), buf, dst + ix * cp, s.cl());
      }
    }
    count = 0;
    for (int ky = 0; ky < k; ky++) {
      int iy = first + ky;
      if (iy < 0 || iy >= s.h()) {
        continue;
      }
      for (int kx = 0; kx < k; kx++) {
        xoff[count] = (iy % k) * rw + kx * cp;
        woff[count] = (ky * k + kx) * s.cl();
        count++;
      }
    }
  }
}
