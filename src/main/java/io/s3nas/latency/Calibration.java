package io.s3nas.latency;

import java.util.Arrays;

/**
 * How a measured platform's sums of separately timed parts map to whole networks, and how far that
 * mapping was off on networks it was not fitted on (docs/latency.md, "Calibration").
 *
 * <p>{@code measured ≈ interceptMs + scale · Σ parts + perMParamsMs · parameters / 10⁶}, fitted on
 * {@code networks} whole networks; {@code heldOutErrors} are estimate / measured − 1 of the held-out
 * networks, measured in the same interleaved session. Their spread is the estimate's uncertainty:
 * {@link #relativeBand()} is the larger of the worst held-out error and twice their root mean
 * square, so a handful of held-out networks does not understate it.
 *
 * @param interceptMs the per-network cost (ms)
 * @param scale the factor on the sum of the parts
 * @param perMParamsMs ms per million parameters (weights streamed through the caches on every pass)
 * @param networks networks the fit was made on
 * @param heldOutErrors relative errors on the held-out networks (empty when none were measured)
 */
public record Calibration(double interceptMs, double scale, double perMParamsMs, int networks,
                         double[] heldOutErrors) {
  public Calibration {
    heldOutErrors = heldOutErrors == null ? new double[0] : heldOutErrors.clone();
  }

  /** No calibration: plain sums. */
  public static final Calibration NONE = new Calibration(0, 1, 0, 0, new double[0]);

  @Override
  public double[] heldOutErrors() {
    return heldOutErrors.clone();
  }

  /** The worst held-out relative error (NaN without held-out networks). */
  public double maxAbsError() {
    return heldOutErrors.length == 0 ? Double.NaN : Arrays.stream(heldOutErrors).map(Math::abs).max().orElseThrow();
  }

  /** Root mean square of the held-out relative errors (NaN without held-out networks). */
  public double rmsError() {
    return heldOutErrors.length == 0 ? Double.NaN
        : Math.sqrt(Arrays.stream(heldOutErrors).map(e -> e * e).average().orElseThrow());
  }

  /**
   * The relative uncertainty of an estimate: max(worst held-out error, 2 · RMS); NaN when nothing
   * was held out, which callers must treat as unknown rather than as exact.
   */
  public double relativeBand() {
    return heldOutErrors.length == 0 ? Double.NaN : Math.max(maxAbsError(), 2 * rmsError());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Calibration c && c.interceptMs == interceptMs && c.scale == scale
        && c.perMParamsMs == perMParamsMs && c.networks == networks && Arrays.equals(c.heldOutErrors, heldOutErrors);
  }

  @Override
  public int hashCode() {
    return Double.hashCode(interceptMs) * 31 + Arrays.hashCode(heldOutErrors);
  }
}
