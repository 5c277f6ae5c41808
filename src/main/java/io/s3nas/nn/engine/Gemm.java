package io.s3nas.nn.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Matrix products of the 1x1 convolutions on NHWC activations viewed as {@code [P, C]} (P = N·H·W
 * pixels): forward {@code y = x·W}, and the two backward products. The forward kernel keeps a
 * 4-row × one-vector block of the output in registers across the whole K loop (one weight load
 * feeds four FMAs); rows are split across threads.
 */
public final class Gemm {
  private static final int ROWS = 4;

  private Gemm() {}

  /** y[P×N] = x[P×K] · w[K×N]. */
  public static void forward(Parallel par, float[] x, int p, int k, float[] w, int n, float[] y) {
    par.forRange((p + ROWS - 1) / ROWS, (c, from, to) -> {
      int r0 = from * ROWS;
      int r1 = Math.min(p, to * ROWS);
      int r = r0;
      for (; r + ROWS <= r1; r += ROWS) {
        block4(x, r, k, w, n, y);
      }
      for (; r < r1; r++) {
        row(x, r, k, w, n, y);
      }
    });
  }

  private static void block4(float[] x, int r, int k, float[] w, int n, float[] y) {
    int x0 = r * k;
    for (int j = 0; j < n; j += Vec.L) {
      VectorMask<Float> m = Vec.maskOrNull(j, n);
      FloatVector c0 = FloatVector.zero(Vec.S);
      FloatVector c1 = c0;
      FloatVector c2 = c0;
      FloatVector c3 = c0;
      for (int i = 0; i < k; i++) {
        FloatVector wv = Vec.load(w, i * n + j, m);
        c0 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + i]), c0);
        c1 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + k + i]), c1);
        c2 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 2 * k + i]), c2);
        c3 = wv.fma(FloatVector.broadcast(Vec.S, x[x0 + 3 * k + i]), c3);
      }
      int y0 = r * n + j;
      Vec.store(c0, y, y0, m);
      Vec.store(c1, y, y0 + n, m);
      Vec.store(c2, y, y0 + 2 * n, m);
      Vec.store(c3, y, y0 + 3 * n, m);
    }
  }

  private static void row(float[] x, int r, int k, float[] w, int n, float[] y) {
    int x0 = r * k;
    for (int j = 0; j < n; j += Vec.L) {
      VectorMask<Float> m = Vec.maskOrNull(j, n);
      FloatVector c0 = FloatVector.zero(Vec.S);
      for (int i = 0; i < k; i++) {
        c0 = Vec.load(w, i * n + j, m).fma(FloatVector.broadcast(Vec.S, x[x0 + i]), c0);
      }
      Vec.store(c0, y, r * n + j, m);
    }
  }

  /** dx[P×K] = dy[P×N] · wᵀ, given {@code wT = transpose(w)} as [N×K]. */
  public static void backwardInput(Parallel par, float[] dy, int p, int n, float[] wT, int k, float[] dx) {
    forward(par, dy, p, n, wT, k, dx);
  }

  /** dw[K×N] = xᵀ[K×P] · dy[P×N], reduced over per-thread partial sums ({@code scratch[t]} ≥ K·N). */
  public static void backwardWeight(Parallel par, float[] x, int p, int k, float[] dy, int n, float[] dw, float[][] scratch) {
    par.forRange((p + ROWS - 1) / ROWS, (c, from, to) -> {
      float[] acc = scratch[c];
      java.util.Arrays.fill(acc, 0, k * n, 0f);
      int r0 = from * ROWS;
      int r1 = Math.min(p, to * ROWS);
      int r = r0;
      for (; r + ROWS <= r1; r += ROWS) {
        for (int j = 0; j < n; j += Vec.L) {
          VectorMask<Float> m = Vec.maskOrNull(j, n);
          FloatVector g0 = Vec.load(dy, r * n + j, m);
          FloatVector g1 = Vec.load(dy, (r + 1) * n + j, m);
          FloatVector g2 = Vec.load(dy, (r + 2) * n + j, m);
          FloatVector g3 = Vec.load(dy, (r + 3) * n + j, m);
          for (int i = 0; i < k; i++) {
            FloatVector a = Vec.load(acc, i * n + j, m);
            a = g0.fma(FloatVector.broadcast(Vec.S, x[r * k + i]), a);
            a = g1.fma(FloatVector.broadcast(Vec.S, x[(r + 1) * k + i]), a);
            a = g2.fma(FloatVector.broadcast(Vec.S, x[(r + 2) * k + i]), a);
            a = g3.fma(FloatVector.broadcast(Vec.S, x[(r + 3) * k + i]), a);
            Vec.store(a, acc, i * n + j, m);
          }
        }
      }
      for (; r < r1; r++) {
        for (int j = 0; j < n; j += Vec.L) {
          VectorMask<Float> m = Vec.maskOrNull(j, n);
          FloatVector g0 = Vec.load(dy, r * n + j, m);
          for (int i = 0; i < k; i++) {
            FloatVector a = Vec.load(acc, i * n + j, m);
            Vec.store(g0.fma(FloatVector.broadcast(Vec.S, x[r * k + i]), a), acc, i * n + j, m);
          }
        }
      }
    });
    java.util.Arrays.fill(dw, 0, k * n, 0f);
    for (int t = 0; t < par.threads(); t++) {
      float[] acc = scratch[t];
      for (int i = 0; i < k * n; i++) {
        dw[i] += acc[i];
      }
    }
  }

  public static float[] transpose(float[] w, int k, int n) {
    float[] t = new float[k * n];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < n; j++) {
        t[j * k + i] = w[i * n + j];
      }
    }
    return t;
  }
}
