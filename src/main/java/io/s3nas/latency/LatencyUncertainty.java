package io.s3nas.latency;

import io.s3nas.space.Architecture;

/**
 * How far a platform's estimate of a whole network may be off, from the platform's own validation
 * (docs/latency.md, "Uncertainty"):
 *
 * <ul>
 *   <li>a measured platform ({@code cpu-nd4j}, {@code onnxruntime-cpu}): the calibration's
 *       {@link Calibration#relativeBand() band} on held-out whole networks, times the estimate;</li>
 *   <li>a table platform ({@code midap}, imported tables): table entries are the platform's own
 *       numbers and carry no band; parts the predictor fills carry its cross-validated 90th
 *       percentile relative error on the table;</li>
 *   <li>an analytical model: unknown (NaN), never validated against the device.</li>
 * </ul>
 */
public final class LatencyUncertainty {
  private final LatencyModel model;
  private double predictorP90 = Double.NaN;

  public LatencyUncertainty(LatencyModel model) {
    this.model = model;
  }

  /** The band (± ms) around {@code estimateMs}, the estimate of {@code a} on this platform. */
  public double bandMs(Architecture a, double estimateMs) {
    if (model instanceof MeasurableLatencyModel m) {
      double band = m.calibration().relativeBand();
      return Double.isNaN(band) ? Double.NaN : band * estimateMs;
    }
    if (model instanceof TableLatencyModel t) {
      double predicted = NetworkLatency.estimate(a, model).parts().stream()
          .filter(p -> p.source() == LatencySource.PREDICTED).mapToDouble(NetworkLatency.Part::ms).sum();
      return predicted == 0 ? 0 : predicted * predictorP90(t);
    }
    return Double.NaN;
  }

  /** Where the band comes from, for reports. */
  public String source() {
    if (model instanceof MeasurableLatencyModel m) {
      Calibration c = m.calibration();
      return c.heldOutErrors().length == 0 ? "uncalibrated (no held-out networks measured)"
          : String.format(java.util.Locale.ROOT, "calibration held-out error on %d networks (worst %.1f%%, rms %.1f%%)",
              c.heldOutErrors().length, 100 * c.maxAbsError(), 100 * c.rmsError());
    }
    if (model instanceof TableLatencyModel) {
      return "table entries exact; predicted parts ± the predictor's cross-validated 90th-percentile error";
    }
    return "analytical model, not validated: unknown";
  }

  private double predictorP90(TableLatencyModel t) {
    if (Double.isNaN(predictorP90)) {
      var samples = t.samples();
      predictorP90 = samples.size() < 20 ? 1.0
          : LatencyPredictor.crossValidate(samples, t.vectorWidth(), 10, 1).p90AbsRelError();
    }
    return predictorP90;
  }
}
