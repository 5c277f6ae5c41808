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

  /**
   * A view of this platform that prices any component at once and never measures (a measured
   * platform predicts the shapes it lacks from what it has measured): for sweeps over thousands of
   * candidate networks, whose choice is then measured.
   */
  default LatencyModel estimatingView() {
    return this;
  }

  /** A per-network cost charged once per whole network (0 unless calibrated against networks). */
  default double networkOverheadMs() {
    return 0;
  }
}
