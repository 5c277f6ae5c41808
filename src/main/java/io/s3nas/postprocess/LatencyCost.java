package io.s3nas.postprocess;

import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyUncertainty;
import io.s3nas.latency.LatencySource;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.TableLatencyModel;
import io.s3nas.space.Architecture;

/**
 * What a change costs in latency on a platform: measured (base and candidate timed interleaved as
 * whole networks, in the table's units) where the platform can be measured, otherwise the estimates
 * with the candidate's uncertainty band ({@link LatencyUncertainty}: predicted parts times the
 * predictor's cross-validated error on a table platform; unknown on an analytical one).
 */
public final class LatencyCost {
  /** A latency with its provenance; {@code uncertaintyMs} is the candidate's band (0 when measured). */
  public record Value(double baseMs, double candidateMs, double uncertaintyMs, String method) {
    public double deltaMs() {
      return candidateMs - baseMs;
    }
  }

  private final LatencyModel model;
  private final FixedLatency fixed;
  private final LatencyUncertainty uncertainty;

  public LatencyCost(LatencyModel model) {
    this.model = model;
    this.fixed = new FixedLatency(model.estimatingView());
    this.uncertainty = new LatencyUncertainty(model);
  }

  public double estimateMs(Architecture a) {
    return fixed.totalMs(a);
  }

  public Value of(Architecture base, Architecture candidate) {
    if (model instanceof MeasurableLatencyModel m) {
      double[] ms = m.measureNetworks(java.util.List.of(base, candidate)).inTableUnits();
      return new Value(ms[0], ms[1], 0, "measured (interleaved whole networks, in the table's units)");
    }
    double b = fixed.totalMs(base);
    double c = fixed.totalMs(candidate);
    double band = uncertainty.bandMs(candidate, c);
    return new Value(b, c, Double.isNaN(band) ? 0 : band, model instanceof TableLatencyModel
        ? "table; predicted parts ± the predictor's 90th-percentile error" : "analytical (roofline, unvalidated)");
  }
}
