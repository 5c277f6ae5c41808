package io.s3nas.latency;

import java.util.Collection;

/**
 * The latency of network components on one hardware platform, in milliseconds. Implementations
 * price any component: from a table, a predictor, an analytical model or a measurement. Whole
 * networks are summed by {@link NetworkLatency}, the single code path for both a fixed
 * architecture and the supernet's expectation.
 */
public interface LatencyModel {
  /** The platform name as in {@code conf/hardware/<name>.conf}. */
  String platform();

  ComponentLatency latency(Component c);

  /** Whether this machine can measure whole networks on the platform (for validation). */
  default boolean measurable() {
    return false;
  }

  /** Lets a measuring model time many components in one interleaved batch before they are asked for. */
  default void prefetch(Collection<Component> components) {}

  /** A per-network cost charged once per whole network (0 unless calibrated against networks). */
  default double networkOverheadMs() {
    return 0;
  }
}
