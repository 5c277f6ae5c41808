package io.s3nas.actors;

/**
 * How a search accounts for what it costs (docs/design.md, "Cost ledger"), two search-config keys.
 *
 * @param maxCpuHours the search pauses once its stages have used this many CPU hours of their
 *     processes ({@code max-cpu-hours}; 0: no limit). It pauses once: a search the user resumes
 *     after that runs to its end.
 * @param recordSeconds how often a running stage's cost is written to the journal between its own
 *     events ({@code cost-record-seconds}, 30): the most CPU and wall time a crash can leave
 *     unaccounted, and the resolution of the replayed-steps count in stages without checkpoints
 */
public record CostLimits(double maxCpuHours, double recordSeconds) implements CborSerializable {
  public static final double RECORD_SECONDS = 30;

  public CostLimits {
    if (!(recordSeconds > 0)) {
      recordSeconds = RECORD_SECONDS; // specs persisted before the key existed
    }
  }

  public static CostLimits defaults() {
    return new CostLimits(0, RECORD_SECONDS);
  }

  /** The CPU-seconds limit, or infinity without one. */
  public double maxCpuSeconds() {
    return maxCpuHours > 0 ? maxCpuHours * 3600 : Double.POSITIVE_INFINITY;
  }
}
