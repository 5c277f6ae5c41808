package io.s3nas.latency.measured;

import io.s3nas.latency.Component;
import io.s3nas.space.Architecture;

/**
 * An inference runtime whose latency is measured: it builds one timed forward pass (with its input
 * bound) per table component or whole network. Passes hold native resources until closed.
 */
public interface Backend {
  /** A forward pass ready to run repeatedly. */
  interface Pass extends Runnable, AutoCloseable {
    @Override
    void close();
  }

  /** The runtime and its version, for the machine fingerprint (tables are cached per fingerprint). */
  String describe();

  /** Applies the thread count before building or timing passes. */
  void applyThreads(int threads);

  Pass component(Component c, int batch, long seed);

  Pass network(Architecture a, int batch, long seed);
}
