package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.MeasurementPolicy;
import picocli.CommandLine.Option;

/** {@code --latency-measurement} and {@code --gate-allowance}: the search keys of the same names, for one stage. */
public final class MeasurementOptions {
  @Option(names = "--latency-measurement", defaultValue = "gated", paramLabel = "all|gated",
      description = "On a measurable platform, measure every candidate (all) or only those whose estimate's "
          + "interval straddles the limit (gated; default ${DEFAULT-VALUE})")
  String mode;
  @Option(names = "--gate-allowance", defaultValue = "0.10",
      description = "Relative error the gate adds to the calibration's held-out band (default ${DEFAULT-VALUE})")
  double allowance;

  MeasurementPolicy policy() {
    MeasurementPolicy.Mode m;
    try {
      m = MeasurementPolicy.mode(mode);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--latency-measurement", null, "all or gated, got '" + mode + "'");
    }
    if (!(allowance >= 0 && allowance < 1)) {
      throw new InvalidInputException("--gate-allowance", null, "a relative error in [0, 1), got " + allowance);
    }
    return new MeasurementPolicy(m, allowance, false);
  }
}
