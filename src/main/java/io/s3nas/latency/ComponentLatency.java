package io.s3nas.latency;

/** The latency of one component in milliseconds and where the number came from. */
public record ComponentLatency(double ms, LatencySource source) {
  public static final ComponentLatency ZERO = new ComponentLatency(0, LatencySource.ZERO);
}
