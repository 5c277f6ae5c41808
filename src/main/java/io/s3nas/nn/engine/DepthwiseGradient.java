package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;

/**
 * The stride-1 depthwise backward, by input rows: each input pixel's gradient is summed in
 * registers over every tap that reads it (dx[iy, ix] = Σ dy[iy + pt − ky, ix + pl − kx] · w[ky, kx]),
 * and the weight gradient of each tap takes the same pixels' {@code dy · x} products while their
 * input values sit in registers. The output gradient's rows are copied into a ring of k rows padded
 * with zeros left and right, so no pixel is an edge case. Against the tap-by-tap pass, which loads
 * dy, x and dx and stores dx for every tap and pixel, a tile of four pixels loads x once, per tap
 * loads four dy values, the weight and the tap's gradient sum, and stores its dx sums once
 * (docs/engine-measurements.md, "the depthwise backward by input rows"). Kernels 3, 5 and 7 go
 * further ({@link #slide}): kernel row by kernel row, each channel vector slides along the input row
 * with that kernel row's weights and gradient sums in registers, the input gradient summed in the row
 * buffer. Stride 2 keeps the tap-by-tap pass (a quarter of the work).
 */
final class DepthwiseGradient {
  /**
   * A row goes tile by tile, all channel vectors of a tile before the next, when what a tile touches
   * (its k·(4 + k − 1) ring pixels and the k·k gradient sums, at the channel pitch) fits in 24 KB, half
   * an L1 cache: each line read is then used by all its channels at once. Past that it goes channel
   * vector by channel vector across the row, which keeps one vector's sums and ring in L1. Measured
   * (DepthwiseBench, 28×28): tiles first ran k3 at 96 channels 1.5x and k7 at 24-40 channels 1.2-1.3x
   * faster, channels first ran k7 at 96 channels 1.2-1.4x faster.
   */
  private static final int TILE_FLOATS = 6144;

  private DepthwiseGradient() {}

  /**
   * Floats of per-thread scratch this pass needs after the weight-gradient sums: the dy ring, one dx row
   * and one vector of zeros.
   */
  static int ringSize(Depthwise.Shape s) {
    return (s.k() * (s.w() + s.k() - 1) + s.w()) * pitch(s) + Vec.L;
  }

  /**
   * Floats per tap in the weight-gradient sums and per pixel in the ring and the dx row: the channels
   * rounded up to whole vectors, so every vector stored there starts on a vector boundary (see
   * {@link #storeRow} for what stores straddling cache lines cost).
   */
  static int pitch(Depthwise.Shape s) {
    return (s.cl() + Vec.L - 1) / Vec.L * Vec.L;
  }

  /**
   * Image {@code b}: stores its input gradient in dx's channel view and its weight gradient into
   * {@code buf[t·pitch + c]} for tap t and channel c; {@code buf} holds the ring after the k·k·pitch sums.
   * Its output gradient is image {@code yb} of dy (b itself, or 0 in a buffer of one image), its
   * input at image b's place in x plus {@code xo} (0, or −b·h·w·cs in a buffer of image b alone).
   */
  static void image(float[] x, int xo, Depthwise.Shape s, float[] wt, float[] dy, int yb, float[] dx, float[] buf,
                    int b) {
    int k = s.k();
    int cl = s.cl();
    int cs = s.cs();
    int h = s.h();
    int w = s.w();
    int pt = s.pt();
    int cp = pitch(s);
    int ring = k * k * cp;
    int rw = (w + k - 1) * cp;
    int padLeft = k - 1 - s.pl();
    int row = ring + k * rw;
    int zeros = row + w * cp; // one vector of zeros, where the sliding kernels' first kernel row reads its sums
    Vec.zero(buf, ring, row);
    Vec.zero(buf, zeros, zeros + Vec.L);
    int full = cl - cl % Vec.L;
    int half = Depthwise.halfTailEnd(cl, full);
    boolean pixelsOuter = (2 * k * k + 3 * k) * cp <= TILE_FLOATS;
    int next = 0;
    int[] table = new int[k * k];
    for (int iy = 0; iy < h; iy++) {
      for (int last = Math.min(h - 1, iy + pt); next <= last; next++) {
        int r = ring + (next % k) * rw + padLeft * cp;
        int src = (yb * h + next) * w * cs + s.co();
        for (int ox = 0; ox < w; ox++) {
          System.arraycopy(dy, src + ox * cs, buf, r + ox * cp, cl);
        }
      }
      Taps rows = Taps.of(k, cl, cp, ring, rw, iy + pt, h, table);
      int xrow = (b * h + iy) * w * cs + s.co(); // dx's row
      int xin = xrow + xo; // x's
      if (slides(k)) {
        int[] dyAt = rows.dy();
        if (rows.t0() == rows.t1()) { // no kernel row reaches this input row ('same' padding always has one)
          Vec.zero(buf, row, row + w * cp);
        }
        for (int t = rows.t0(); t < rows.t1(); t += k) { // kernel row t / k: its taps read one ring row
          int g = dyAt[t + k - 1]; // tap (ky, k − 1) reads the ring row's column ix at input pixel ix
          // the row's first kernel row starts its sums from the vector of zeros, not from a cleared row
          boolean first = t == rows.t0();
          int ds = first ? 0 : cp;
          // its last stores the totals in dx itself, not in the row for a copy after
          boolean last = t + k >= rows.t1();
          float[] out = last ? dx : buf;
          int os = last ? cs : cp;
          int at = last ? xrow : row;
          for (int j = 0; j < full; j += Vec.L) {
            slide(k, false, x, xin + j, cs, wt, t * cl + j, cl, buf, g + j, cp, first ? zeros : row + j, ds, out,
                at + j, os, t * cp + j, w);
          }
          if (half > full) {
            slide(k, true, x, xin + full, cs, wt, t * cl + full, cl, buf, g + full, cp, first ? zeros : row + full, ds,
                out, at + full, os, t * cp + full, w);
          }
        }
      } else if (pixelsOuter) {
        int ix = 0;
        for (; ix + 4 <= w; ix += 4) {
          int xi = xin + ix * cs;
          int di = row + ix * cp;
          for (int j = 0; j < full; j += Vec.L) {
            pixels4(x, wt, buf, rows, cs, xi + j, di + j, ix, j, 0);
          }
          if (half > full) {
            pixels4Half(x, wt, buf, rows, cs, xi + full, di + full, ix, full, 0);
          }
        }
        if (lastTile(k, w, ix)) {
          int skip = ix - (w - 4);
          int xi = xin + (w - 4) * cs;
          int di = row + (w - 4) * cp;
          for (int j = 0; j < full; j += Vec.L) {
            pixels4(x, wt, buf, rows, cs, xi + j, di + j, w - 4, j, skip);
          }
          if (half > full) {
            pixels4Half(x, wt, buf, rows, cs, xi + full, di + full, w - 4, full, skip);
          }
          ix = w;
        }
        for (; ix < w; ix++) {
          int xi = xin + ix * cs;
          int di = row + ix * cp;
          for (int j = 0; j < full; j += Vec.L) {
            pixels1(x, wt, buf, rows, xi + j, di + j, ix, j);
          }
          if (half > full) {
            pixels1Half(x, wt, buf, rows, xi + full, di + full, ix, full);
          }
        }
      } else {
        for (int j = 0; j < full; j += Vec.L) {
          int ix = 0;
          for (; ix + 4 <= w; ix += 4) {
            pixels4(x, wt, buf, rows, cs, xin + ix * cs + j, row + ix * cp + j, ix, j, 0);
          }
          if (lastTile(k, w, ix)) {
            pixels4(x, wt, buf, rows, cs, xin + (w - 4) * cs + j, row + (w - 4) * cp + j, w - 4, j, ix - (w - 4));
            ix = w;
          }
          for (; ix < w; ix++) {
            pixels1(x, wt, buf, rows, xin + ix * cs + j, row + ix * cp + j, ix, j);
          }
        }
        if (half > full) {
          int ix = 0;
          for (; ix + 4 <= w; ix += 4) {
            pixels4Half(x, wt, buf, rows, cs, xin + ix * cs + full, row + ix * cp + full, ix, full, 0);
          }
          if (lastTile(k, w, ix)) {
            pixels4Half(x, wt, buf, rows, cs, xin + (w - 4) * cs + full, row + (w - 4) * cp + full, w - 4, full,
                ix - (w - 4));
            ix = w;
          }
          for (; ix < w; ix++) {
            pixels1Half(x, wt, buf, rows, xin + ix * cs + full, row + ix * cp + full, ix, full);
          }
        }
      }
      for (int j = half; j < cl; j++) {
        for (int ix = 0; ix < w; ix++) {
          scalar(x, wt, buf, rows, xin + ix * cs + j, row + ix * cp + j, ix, j);
        }
      }
      if (slides(k) && rows.t0() < rows.t1()) { // the sliding kernels stored channels [0, half) in dx
        if (half < cl) {
          storeRow(buf, row + half, cp, dx, xrow + half, cs, w, cl - half);
        }
      } else {
        storeRow(buf, row, cp, dx, xrow, cs, w, cl);
      }
    }
  }

  /**
   * Whether a row's last pixels from {@code ix} on go in one more tile of four ending at the row's end:
   * two or three left under k5 and k7, as in the forward ({@code Depthwise}, "lastTile"). The tile's
   * first {@code skip} pixels were done by the tile before: their input gradients are computed and
   * stored again unchanged, and their inputs enter the weight gradient as zeros, so nothing is counted
   * twice.
   */
  private static boolean lastTile(int k, int w, int ix) {
    return k >= 5 && w >= 4 && w - ix >= 2;
  }

  /**
   * dx's row = the row of sums. The tiles store their sums here, aligned, rather than storing dx's
   * pixels themselves: with 24, 40 or 56 channels (a vector's stores straddling cache lines) the
   * tiles' read-modify-write of dx ran the whole pass 3-6x slower, and this one streaming pass does not.
   * The sliding kernels need it only for channels past their vectors: their input row's last kernel
   * row stores each pixel's total in dx once, a plain store where this copy made another (the copy was
   * 2.1% of a training step's samples; docs/engine-measurements.md, "2026-12-02 (midday)").
   */
  private static void storeRow(float[] buf, int row, int cp, float[] dx, int xrow, int cs, int w, int cl) {
    for (int ix = 0; ix < w; ix++) {
      System.arraycopy(buf, row + ix * cp, dx, xrow + ix * cs, cl);
    }
  }

  /**
   * One input row's taps [t0, t1) (t = ky·k + kx, the kernel rows that land inside the output):
   * tap t of input pixel 0, channel 0 reads dy at {@code dy[t]} in the ring. One flat loop over taps
   * rather than nested ky/kx loops: C2 boxes vectors carried through a nested loop (measured: every
   * FMA allocated).
   */
  private record Taps(int cl, int cp, int[] dy, int t0, int t1) {
    static Taps of(int k, int cl, int cp, int ring, int rw, int top, int h, int[] dy) {
      int ky0 = Math.max(0, top - (h - 1)); // output row top − ky lies in [0, h)
      int ky1 = Math.min(k, top + 1);
      for (int ky = ky0; ky < ky1; ky++) {
        int slot = ring + ((top - ky) % k) * rw;
        for (int kx = 0; kx < k; kx++) {
          dy[ky * k + kx] = slot + (k - 1 - kx) * cp;
        }
      }
      return new Taps(cl, cp, dy, ky0 * k, ky1 * k);
    }
  }

  /** Whether kernel size k has a {@link #slide} kernel: the sizes of the search spaces. */
  static boolean slides(int k) {
    return k == 3 || k == 5 || k == 7;
  }

  /**
   * One kernel row's taps over one input row, one channel vector: with the row's k weights and k
   * weight-gradient sums held in registers, each pixel loads its x and the k ring columns its taps
   * read, adds its input gradient to the row sum it reads at {@code dl} and stores the total in
   * {@code out} at {@code di} (the row buffer, pixels {@code os} = the pitch apart; dx itself under the
   * input row's last kernel row, pixels {@code os} = cs apart), and adds its {@code dy · x} products
   * into the sums; after the row the sums are added to the taps' slots at {@code ao}. {@code dl}
   * advances by {@code ds}: by the pitch where it reads the row buffer itself, by 0 where an input
   * row's first kernel row reads one vector of zeros, so the row is never cleared
   * (docs/engine-measurements.md, "2026-12-02 (late morning)"). A pixel's k taps take k + 3 loads and
   * stores (1.4 a tap under k7) where the four-pixel tiles made 1.75, with no sum stored and reloaded
   * per tap. Two pixels a step (k + 1 ring loads for 2k taps) measured 1.02–1.04
   * × this on JDK 25 but 0.80 × on JDK 17, whose C2 left that kernel's stores uninlined
   * (docs/engine-measurements.md, "2026-12-02 (morning)").
   */
  private static void slide(int k, boolean half, float[] x, int xi, int cs, float[] wt, int wo, int cl, float[] buf,
                            int g, int cp, int dl, int ds, float[] out, int di, int os, int ao, int w) {
    switch (k) {
      case 3 -> {
        if (half) {
          slide3Half(x, xi, cs, wt, wo, cl, buf, g, cp, dl, ds, out, di, os, ao, w);
        } else {
          slide3(x, xi, cs, wt, wo, cl, buf, g, cp, dl, ds, out, di, os, ao, w);
        }
      }
      case 5 -> {
        if (half) {
          slide5Half(x, xi, cs, wt, wo, cl, buf, g, cp, dl, ds, out, di, os, ao, w);
        } else {
          slide5(x, xi, cs, wt, wo, cl, buf, g, cp, dl, ds, out, di, os, ao, w);
        }
      }
      default -> {
        if (half) {
          slide7Half(x, xi, cs, wt, wo, cl, buf, g, cp, dl, ds, out, di, os, ao, w);
        } else {
          slide7(x, xi, cs, wt, wo, cl, buf, g, cp, dl, ds, out, di, os, ao, w);
        }
      }
    }
  }

  private static void slide3(float[] x, int xi, int cs, float[] wt, int wo, int cl, float[] buf, int g, int cp,
                            int dl, int ds, float[] out, int di, int os, int ao, int w) {
    FloatVector w0 = FloatVector.fromArray(Vec.S, wt, wo);
    FloatVector w1 = FloatVector.fromArray(Vec.S, wt, wo + cl);
    FloatVector w2 = FloatVector.fromArray(Vec.S, wt, wo + 2 * cl);
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    for (int ix = 0; ix < w; ix++, g += cp, dl += ds, di += os, xi += cs) {
      FloatVector xv = FloatVector.fromArray(Vec.S, x, xi);
      FloatVector g0 = FloatVector.fromArray(Vec.S, buf, g + 2 * cp);
      FloatVector g1 = FloatVector.fromArray(Vec.S, buf, g + cp);
      FloatVector g2 = FloatVector.fromArray(Vec.S, buf, g);
      FloatVector d = FloatVector.fromArray(Vec.S, buf, dl);
      FloatVector e = g1.mul(w1);
      d = g0.fma(w0, d);
      d = g2.fma(w2, d);
      d.add(e).intoArray(out, di);
      a0 = g0.fma(xv, a0);
      a1 = g1.fma(xv, a1);
      a2 = g2.fma(xv, a2);
    }
    a0.add(FloatVector.fromArray(Vec.S, buf, ao)).intoArray(buf, ao);
    a1.add(FloatVector.fromArray(Vec.S, buf, ao + cp)).intoArray(buf, ao + cp);
    a2.add(FloatVector.fromArray(Vec.S, buf, ao + 2 * cp)).intoArray(buf, ao + 2 * cp);
  }


  private static void slide3Half(float[] x, int xi, int cs, float[] wt, int wo, int cl, float[] buf, int g, int cp,
                                int dl, int ds, float[] out, int di, int os, int ao, int w) {
    FloatVector w0 = Vec.loadHalf(wt, wo);
    FloatVector w1 = Vec.loadHalf(wt, wo + cl);
    FloatVector w2 = Vec.loadHalf(wt, wo + 2 * cl);
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    for (int ix = 0; ix < w; ix++, g += cp, dl += ds, di += os, xi += cs) {
      FloatVector xv = Vec.loadHalf(x, xi);
      FloatVector g0 = Vec.loadHalf(buf, g + 2 * cp);
      FloatVector g1 = Vec.loadHalf(buf, g + cp);
      FloatVector g2 = Vec.loadHalf(buf, g);
      FloatVector d = Vec.loadHalf(buf, dl);
      FloatVector e = g1.mul(w1);
      d = g0.fma(w0, d);
      d = g2.fma(w2, d);
      Vec.storeHalf(d.add(e), out, di);
      a0 = g0.fma(xv, a0);
      a1 = g1.fma(xv, a1);
      a2 = g2.fma(xv, a2);
    }
    Vec.storeHalf(a0.add(Vec.loadHalf(buf, ao)), buf, ao);
    Vec.storeHalf(a1.add(Vec.loadHalf(buf, ao + cp)), buf, ao + cp);
    Vec.storeHalf(a2.add(Vec.loadHalf(buf, ao + 2 * cp)), buf, ao + 2 * cp);
  }


  private static void slide5(float[] x, int xi, int cs, float[] wt, int wo, int cl, float[] buf, int g, int cp,
                            int dl, int ds, float[] out, int di, int os, int ao, int w) {
    FloatVector w0 = FloatVector.fromArray(Vec.S, wt, wo);
    FloatVector w1 = FloatVector.fromArray(Vec.S, wt, wo + cl);
    FloatVector w2 = FloatVector.fromArray(Vec.S, wt, wo + 2 * cl);
    FloatVector w3 = FloatVector.fromArray(Vec.S, wt, wo + 3 * cl);
    FloatVector w4 = FloatVector.fromArray(Vec.S, wt, wo + 4 * cl);
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector a4 = a0;
    for (int ix = 0; ix < w; ix++, g += cp, dl += ds, di += os, xi += cs) {
      FloatVector xv = FloatVector.fromArray(Vec.S, x, xi);
      FloatVector g0 = FloatVector.fromArray(Vec.S, buf, g + 4 * cp);
      FloatVector g1 = FloatVector.fromArray(Vec.S, buf, g + 3 * cp);
      FloatVector g2 = FloatVector.fromArray(Vec.S, buf, g + 2 * cp);
      FloatVector g3 = FloatVector.fromArray(Vec.S, buf, g + cp);
      FloatVector g4 = FloatVector.fromArray(Vec.S, buf, g);
      FloatVector d = FloatVector.fromArray(Vec.S, buf, dl);
      FloatVector e = g1.mul(w1);
      d = g0.fma(w0, d);
      d = g2.fma(w2, d);
      e = g3.fma(w3, e);
      d = g4.fma(w4, d);
      d.add(e).intoArray(out, di);
      a0 = g0.fma(xv, a0);
      a1 = g1.fma(xv, a1);
      a2 = g2.fma(xv, a2);
      a3 = g3.fma(xv, a3);
      a4 = g4.fma(xv, a4);
    }
    a0.add(FloatVector.fromArray(Vec.S, buf, ao)).intoArray(buf, ao);
    a1.add(FloatVector.fromArray(Vec.S, buf, ao + cp)).intoArray(buf, ao + cp);
    a2.add(FloatVector.fromArray(Vec.S, buf, ao + 2 * cp)).intoArray(buf, ao + 2 * cp);
    a3.add(FloatVector.fromArray(Vec.S, buf, ao + 3 * cp)).intoArray(buf, ao + 3 * cp);
    a4.add(FloatVector.fromArray(Vec.S, buf, ao + 4 * cp)).intoArray(buf, ao + 4 * cp);
  }


  private static void slide5Half(float[] x, int xi, int cs, float[] wt, int wo, int cl, float[] buf, int g, int cp,
                                int dl, int ds, float[] out, int di, int os, int ao, int w) {
    FloatVector w0 = Vec.loadHalf(wt, wo);
    FloatVector w1 = Vec.loadHalf(wt, wo + cl);
    FloatVector w2 = Vec.loadHalf(wt, wo + 2 * cl);
    FloatVector w3 = Vec.loadHalf(wt, wo + 3 * cl);
    FloatVector w4 = Vec.loadHalf(wt, wo + 4 * cl);
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector a4 = a0;
    for (int ix = 0; ix < w; ix++, g += cp, dl += ds, di += os, xi += cs) {
      FloatVector xv = Vec.loadHalf(x, xi);
      FloatVector g0 = Vec.loadHalf(buf, g + 4 * cp);
      FloatVector g1 = Vec.loadHalf(buf, g + 3 * cp);
      FloatVector g2 = Vec.loadHalf(buf, g + 2 * cp);
      FloatVector g3 = Vec.loadHalf(buf, g + cp);
      FloatVector g4 = Vec.loadHalf(buf, g);
      FloatVector d = Vec.loadHalf(buf, dl);
      FloatVector e = g1.mul(w1);
      d = g0.fma(w0, d);
      d = g2.fma(w2, d);
      e = g3.fma(w3, e);
      d = g4.fma(w4, d);
      Vec.storeHalf(d.add(e), out, di);
      a0 = g0.fma(xv, a0);
      a1 = g1.fma(xv, a1);
      a2 = g2.fma(xv, a2);
      a3 = g3.fma(xv, a3);
      a4 = g4.fma(xv, a4);
    }
    Vec.storeHalf(a0.add(Vec.loadHalf(buf, ao)), buf, ao);
    Vec.storeHalf(a1.add(Vec.loadHalf(buf, ao + cp)), buf, ao + cp);
    Vec.storeHalf(a2.add(Vec.loadHalf(buf, ao + 2 * cp)), buf, ao + 2 * cp);
    Vec.storeHalf(a3.add(Vec.loadHalf(buf, ao + 3 * cp)), buf, ao + 3 * cp);
    Vec.storeHalf(a4.add(Vec.loadHalf(buf, ao + 4 * cp)), buf, ao + 4 * cp);
  }


  private static void slide7(float[] x, int xi, int cs, float[] wt, int wo, int cl, float[] buf, int g, int cp,
                            int dl, int ds, float[] out, int di, int os, int ao, int w) {
    FloatVector w0 = FloatVector.fromArray(Vec.S, wt, wo);
    FloatVector w1 = FloatVector.fromArray(Vec.S, wt, wo + cl);
    FloatVector w2 = FloatVector.fromArray(Vec.S, wt, wo + 2 * cl);
    FloatVector w3 = FloatVector.fromArray(Vec.S, wt, wo + 3 * cl);
    FloatVector w4 = FloatVector.fromArray(Vec.S, wt, wo + 4 * cl);
    FloatVector w5 = FloatVector.fromArray(Vec.S, wt, wo + 5 * cl);
    FloatVector w6 = FloatVector.fromArray(Vec.S, wt, wo + 6 * cl);
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector a4 = a0;
    FloatVector a5 = a0;
    FloatVector a6 = a0;
    for (int ix = 0; ix < w; ix++, g += cp, dl += ds, di += os, xi += cs) {
      FloatVector xv = FloatVector.fromArray(Vec.S, x, xi);
      FloatVector g0 = FloatVector.fromArray(Vec.S, buf, g + 6 * cp);
      FloatVector g1 = FloatVector.fromArray(Vec.S, buf, g + 5 * cp);
      FloatVector g2 = FloatVector.fromArray(Vec.S, buf, g + 4 * cp);
      FloatVector g3 = FloatVector.fromArray(Vec.S, buf, g + 3 * cp);
      FloatVector g4 = FloatVector.fromArray(Vec.S, buf, g + 2 * cp);
      FloatVector g5 = FloatVector.fromArray(Vec.S, buf, g + cp);
      FloatVector g6 = FloatVector.fromArray(Vec.S, buf, g);
      FloatVector d = FloatVector.fromArray(Vec.S, buf, dl);
      FloatVector e = g1.mul(w1);
      d = g0.fma(w0, d);
      d = g2.fma(w2, d);
      e = g3.fma(w3, e);
      d = g4.fma(w4, d);
      e = g5.fma(w5, e);
      d = g6.fma(w6, d);
      d.add(e).intoArray(out, di);
      a0 = g0.fma(xv, a0);
      a1 = g1.fma(xv, a1);
      a2 = g2.fma(xv, a2);
      a3 = g3.fma(xv, a3);
      a4 = g4.fma(xv, a4);
      a5 = g5.fma(xv, a5);
      a6 = g6.fma(xv, a6);
    }
    a0.add(FloatVector.fromArray(Vec.S, buf, ao)).intoArray(buf, ao);
    a1.add(FloatVector.fromArray(Vec.S, buf, ao + cp)).intoArray(buf, ao + cp);
    a2.add(FloatVector.fromArray(Vec.S, buf, ao + 2 * cp)).intoArray(buf, ao + 2 * cp);
    a3.add(FloatVector.fromArray(Vec.S, buf, ao + 3 * cp)).intoArray(buf, ao + 3 * cp);
    a4.add(FloatVector.fromArray(Vec.S, buf, ao + 4 * cp)).intoArray(buf, ao + 4 * cp);
    a5.add(FloatVector.fromArray(Vec.S, buf, ao + 5 * cp)).intoArray(buf, ao + 5 * cp);
    a6.add(FloatVector.fromArray(Vec.S, buf, ao + 6 * cp)).intoArray(buf, ao + 6 * cp);
  }


  private static void slide7Half(float[] x, int xi, int cs, float[] wt, int wo, int cl, float[] buf, int g, int cp,
                                int dl, int ds, float[] out, int di, int os, int ao, int w) {
    FloatVector w0 = Vec.loadHalf(wt, wo);
    FloatVector w1 = Vec.loadHalf(wt, wo + cl);
    FloatVector w2 = Vec.loadHalf(wt, wo + 2 * cl);
    FloatVector w3 = Vec.loadHalf(wt, wo + 3 * cl);
    FloatVector w4 = Vec.loadHalf(wt, wo + 4 * cl);
    FloatVector w5 = Vec.loadHalf(wt, wo + 5 * cl);
    FloatVector w6 = Vec.loadHalf(wt, wo + 6 * cl);
    FloatVector a0 = FloatVector.zero(Vec.S);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector a4 = a0;
    FloatVector a5 = a0;
    FloatVector a6 = a0;
    for (int ix = 0; ix < w; ix++, g += cp, dl += ds, di += os, xi += cs) {
      FloatVector xv = Vec.loadHalf(x, xi);
      FloatVector g0 = Vec.loadHalf(buf, g + 6 * cp);
      FloatVector g1 = Vec.loadHalf(buf, g + 5 * cp);
      FloatVector g2 = Vec.loadHalf(buf, g + 4 * cp);
      FloatVector g3 = Vec.loadHalf(buf, g + 3 * cp);
      FloatVector g4 = Vec.loadHalf(buf, g + 2 * cp);
      FloatVector g5 = Vec.loadHalf(buf, g + cp);
      FloatVector g6 = Vec.loadHalf(buf, g);
      FloatVector d = Vec.loadHalf(buf, dl);
      FloatVector e = g1.mul(w1);
      d = g0.fma(w0, d);
      d = g2.fma(w2, d);
      e = g3.fma(w3, e);
      d = g4.fma(w4, d);
      e = g5.fma(w5, e);
      d = g6.fma(w6, d);
      Vec.storeHalf(d.add(e), out, di);
      a0 = g0.fma(xv, a0);
      a1 = g1.fma(xv, a1);
      a2 = g2.fma(xv, a2);
      a3 = g3.fma(xv, a3);
      a4 = g4.fma(xv, a4);
      a5 = g5.fma(xv, a5);
      a6 = g6.fma(xv, a6);
    }
    Vec.storeHalf(a0.add(Vec.loadHalf(buf, ao)), buf, ao);
    Vec.storeHalf(a1.add(Vec.loadHalf(buf, ao + cp)), buf, ao + cp);
    Vec.storeHalf(a2.add(Vec.loadHalf(buf, ao + 2 * cp)), buf, ao + 2 * cp);
    Vec.storeHalf(a3.add(Vec.loadHalf(buf, ao + 3 * cp)), buf, ao + 3 * cp);
    Vec.storeHalf(a4.add(Vec.loadHalf(buf, ao + 4 * cp)), buf, ao + 4 * cp);
    Vec.storeHalf(a5.add(Vec.loadHalf(buf, ao + 5 * cp)), buf, ao + 5 * cp);
    Vec.storeHalf(a6.add(Vec.loadHalf(buf, ao + 6 * cp)), buf, ao + 6 * cp);
  }


  /*
   * Tiles of P input pixels × one channel vector, written out per shape (C2 keeps named locals in
   * registers, not arrays of vectors). Tap t's weights start at t·cl, its gradient sums at t·pitch.
   */

  private static void pixels4(float[] x, float[] wt, float[] buf, Taps r, int cs, int xi, int di, int ix, int j,
                              int skip) {
    int cl = r.cl();
    FloatVector x0 = FloatVector.fromArray(Vec.S, x, xi).mul(skip > 0 ? 0f : 1f);
    FloatVector x1 = FloatVector.fromArray(Vec.S, x, xi + cs).mul(skip > 1 ? 0f : 1f);
    FloatVector x2 = FloatVector.fromArray(Vec.S, x, xi + 2 * cs).mul(skip > 2 ? 0f : 1f);
    FloatVector x3 = FloatVector.fromArray(Vec.S, x, xi + 3 * cs);
    FloatVector d0 = FloatVector.zero(Vec.S);
    FloatVector d1 = d0;
    FloatVector d2 = d0;
    FloatVector d3 = d0;
    int[] dy = r.dy();
    int cp = r.cp();
    int px = ix * cp + j;
    for (int t = r.t0(); t < r.t1(); t++) {
      int p = dy[t] + px;
      int wo = t * cl + j;
      int ao = t * cp + j;
      FloatVector wv = FloatVector.fromArray(Vec.S, wt, wo);
      FloatVector g0 = FloatVector.fromArray(Vec.S, buf, p);
      FloatVector g1 = FloatVector.fromArray(Vec.S, buf, p + cp);
      FloatVector g2 = FloatVector.fromArray(Vec.S, buf, p + 2 * cp);
      FloatVector g3 = FloatVector.fromArray(Vec.S, buf, p + 3 * cp);
      d0 = g0.fma(wv, d0);
      d1 = g1.fma(wv, d1);
      d2 = g2.fma(wv, d2);
      d3 = g3.fma(wv, d3);
      FloatVector s01 = g1.fma(x1, g0.mul(x0));
      g3.fma(x3, g2.fma(x2, FloatVector.fromArray(Vec.S, buf, ao))).add(s01).intoArray(buf, ao);
    }
    d0.intoArray(buf, di);
    d1.intoArray(buf, di + r.cp());
    d2.intoArray(buf, di + 2 * r.cp());
    d3.intoArray(buf, di + 3 * r.cp());
  }

  private static void pixels1(float[] x, float[] wt, float[] buf, Taps r, int xi, int di, int ix, int j) {
    int cl = r.cl();
    FloatVector x0 = FloatVector.fromArray(Vec.S, x, xi);
    FloatVector d0 = FloatVector.zero(Vec.S);
    int[] dy = r.dy();
    int cp = r.cp();
    int px = ix * cp + j;
    for (int t = r.t0(); t < r.t1(); t++) {
      int p = dy[t] + px;
      int wo = t * cl + j;
      int ao = t * cp + j;
      FloatVector g0 = FloatVector.fromArray(Vec.S, buf, p);
      d0 = g0.fma(FloatVector.fromArray(Vec.S, wt, wo), d0);
      g0.fma(x0, FloatVector.fromArray(Vec.S, buf, ao)).intoArray(buf, ao);
    }
    d0.intoArray(buf, di);
  }

  /* The half-vector tail (Vec.H), loaded at half width and widened: arithmetic in the full shape. */

  private static void pixels4Half(float[] x, float[] wt, float[] buf, Taps r, int cs, int xi, int di, int ix, int j,
                                  int skip) {
    int cl = r.cl();
    FloatVector x0 = Vec.loadHalf(x, xi).mul(skip > 0 ? 0f : 1f);
    FloatVector x1 = Vec.loadHalf(x, xi + cs).mul(skip > 1 ? 0f : 1f);
    FloatVector x2 = Vec.loadHalf(x, xi + 2 * cs).mul(skip > 2 ? 0f : 1f);
    FloatVector x3 = Vec.loadHalf(x, xi + 3 * cs);
    FloatVector d0 = FloatVector.zero(Vec.S);
    FloatVector d1 = d0;
    FloatVector d2 = d0;
    FloatVector d3 = d0;
    int[] dy = r.dy();
    int cp = r.cp();
    int px = ix * cp + j;
    for (int t = r.t0(); t < r.t1(); t++) {
      int p = dy[t] + px;
      int wo = t * cl + j;
      int ao = t * cp + j;
      FloatVector wv = Vec.loadHalf(wt, wo);
      FloatVector g0 = Vec.loadHalf(buf, p);
      FloatVector g1 = Vec.loadHalf(buf, p + cp);
      FloatVector g2 = Vec.loadHalf(buf, p + 2 * cp);
      FloatVector g3 = Vec.loadHalf(buf, p + 3 * cp);
      d0 = g0.fma(wv, d0);
      d1 = g1.fma(wv, d1);
      d2 = g2.fma(wv, d2);
      d3 = g3.fma(wv, d3);
      FloatVector s01 = g1.fma(x1, g0.mul(x0));
      Vec.storeHalf(g3.fma(x3, g2.fma(x2, Vec.loadHalf(buf, ao))).add(s01), buf, ao);
    }
    Vec.storeHalf(d0, buf, di);
    Vec.storeHalf(d1, buf, di + r.cp());
    Vec.storeHalf(d2, buf, di + 2 * r.cp());
    Vec.storeHalf(d3, buf, di + 3 * r.cp());
  }

  private static void pixels1Half(float[] x, float[] wt, float[] buf, Taps r, int xi, int di, int ix, int j) {
    int cl = r.cl();
    FloatVector x0 = Vec.loadHalf(x, xi);
    FloatVector d0 = FloatVector.zero(Vec.S);
    int[] dy = r.dy();
    int cp = r.cp();
    int px = ix * cp + j;
    for (int t = r.t0(); t < r.t1(); t++) {
      int p = dy[t] + px;
      int wo = t * cl + j;
      int ao = t * cp + j;
      FloatVector g0 = Vec.loadHalf(buf, p);
      d0 = g0.fma(Vec.loadHalf(wt, wo), d0);
      Vec.storeHalf(g0.fma(x0, Vec.loadHalf(buf, ao)), buf, ao);
    }
    Vec.storeHalf(d0, buf, di);
  }

  /** Channels past the vectors (none when channel counts are multiples of 8). */
  private static void scalar(float[] x, float[] wt, float[] buf, Taps r, int xi, int di, int ix, int j) {
    int cl = r.cl();
    float xv = x[xi];
    float d = 0;
    int[] dy = r.dy();
    int cp = r.cp();
    int px = ix * cp + j;
    for (int t = r.t0(); t < r.t1(); t++) {
      int p = dy[t] + px;
      int wo = t * cl + j;
      int ao = t * cp + j;
      float g = buf[p];
      d += g * wt[wo];
      buf[ao] += g * xv;
    }
    buf[di] = d;
  }
}
