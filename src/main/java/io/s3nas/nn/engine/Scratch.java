package io.s3nas.nn.engine;

import java.util.HashMap;
import java.util.Map;

/** Reusable temporary buffers of the backward pass, grown on demand and shared by all layers. */
final class Scratch {
  private final int threads;
  private final Map<String, float[]> buffers = new HashMap<>();
  private final Map<String, float[][]> tiles = new HashMap<>();
  private float[][] partials;
  private float[][][] partialSets = new float[0][][];

  Scratch(int threads) {
    this.threads = threads;
    this.partials = new float[Math.max(threads, Parallel.SLICES)][0];
  }

  float[] take(String name, int size) {
    float[] b = buffers.get(name);
    if (b == null || b.length < size) {
      b = new float[size];
      buffers.put(name, b);
    }
    return b;
  }

  float[] grad(Param p) {
    return take("grad:" + p.size(), p.size());
  }

  /** One buffer of at least {@code size} floats per thread, by name ({@link TiledProducts}' tiles). */
  float[][] tiles(String name, int size) {
    float[][] t = tiles.get(name);
    if (t == null || t[0].length < size) {
      t = new float[threads][size];
      tiles.put(name, t);
    }
    return t;
  }

  /**
   * Partial-sum buffers of at least {@code size} floats: one per slice of a {@link Parallel#forSlices}
   * region, and at least one per thread (a buffer a kernel uses per thread beside its slices' sums).
   */
  float[][] partials(int size) {
    if (partials[0].length < size) {
      partials = new float[Math.max(threads, Parallel.SLICES)][size];
    }
    return partials;
  }

  /**
   * One set of partial-sum buffers as {@link #partials} per size, set i of at least {@code sizes[i]}
   * floats a buffer: a MixConv layer's branches, each with weight-gradient sums of its own in one region.
   */
  float[][][] partialSets(int[] sizes) {
    if (partialSets.length < sizes.length) {
      partialSets = java.util.Arrays.copyOf(partialSets, sizes.length);
    }
    for (int i = 0; i < sizes.length; i++) {
      if (partialSets[i] == null || partialSets[i][0].length < sizes[i]) {
        partialSets[i] = new float[Math.max(threads, Parallel.SLICES)][sizes[i]];
      }
    }
    return partialSets;
  }
}
