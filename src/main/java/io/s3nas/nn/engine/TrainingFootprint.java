package io.s3nas.nn.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * The floats a network's training step keeps allocated at a batch size: each layer's own buffers
 * (what its forward keeps for backward, its output and input gradient) and the shared scratch
 * buffers, which take the largest size any layer asks under one name. Each layer adds what its own
 * allocation code allocates, next to that code, so a layer that changes its buffers changes its
 * count (TrainingFootprintTest holds the sum to what a training step really allocates). The launcher
 * sizes the Java heap from it (docs/engine-measurements.md, "Memory").
 */
public final class TrainingFootprint {
  private long owned;
  private final Map<String, Long> scratch = new HashMap<>();

  void own(long floats) {
    owned += floats;
  }

  void scratch(String name, long floats) {
    scratch.merge(name, floats, Math::max);
  }

  /** Bytes of float buffers in all. */
  public long bytes() {
    long s = owned;
    for (long v : scratch.values()) {
      s += v;
    }
    return 4 * s;
  }
}
