package io.s3nas.cluster;

import io.s3nas.latency.Component;
import io.s3nas.latency.ComponentLatency;
import io.s3nas.latency.LatencyModel;

/** A platform that prices every component at 1 ms: for tests that only need a model by name. */
final class LatencyModelStub {
  private LatencyModelStub() {}

  static LatencyModel named(String platform) {
    return new LatencyModel() {
      @Override
      public String platform() {
        return platform;
      }

      @Override
      public ComponentLatency latency(Component c) {
        return new ComponentLatency(1, io.s3nas.latency.LatencySource.TABLE);
      }
    };
  }
}
