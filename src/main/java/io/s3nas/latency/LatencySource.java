package io.s3nas.latency;

/** Where a latency number came from, reported beside every estimate. */
public enum LatencySource {
  /** An entry of the platform's table (simulated or measured beforehand). */
  TABLE,
  /** The predictor fitted on the table, for a shape the table lacks. */
  PREDICTED,
  /** The analytical roofline model of a device with no measurements. */
  ANALYTICAL,
  /** Measured on this machine now. */
  MEASURED,
  /** A skipped block costs nothing. */
  ZERO
}
