package io.s3nas.postprocess;

import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyPredictor;
import io.s3nas.latency.LatencySource;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.TableLatencyModel;
import io.s3nas.space.Architecture;

/**
 * What a change costs in latency on a platform: measured (base and candidate timed interleaved as
 * whole networks) where the platform can be measured, otherwise the table estimate with an
 * uncertainty — the predicted parts' milliseconds times the predictor's cross-validated median
 * relative error on the table — or an analytical estimate flagged as unvalidated.
 */
public final class LatencyCost {
  /** A latency with its provenance. */
  public record Value(double baseMs, double candidateMs, double uncertaintyMs, String method) {
    public double deltaMs() {
      return candidateMs - baseMs;
    }
  }

  private final LatencyModel model;
  private final FixedLatency fixed;
  private double predictorError = Double.NaN;

  public LatencyCost(LatencyModel model) {
    this.model = model;
    this.fixed = new FixedLatency(model);
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
    if (model instanceof TableLatencyModel t) {
      double predicted = predictedMs(base) + predictedMs(candidate);
      return new Value(b, c, predicted * predictorError(t), "table; predicted parts ± the predictor's median error");
    }
    return new Value(b, c, Double.NaN, "analytical (roofline, unvalidated)");
  }

  private double predictedMs(Architecture a) {
    return NetworkLatency.estimate(a, model).parts().stream()
        .filter(p -> p.source() == LatencySource.PREDICTED).mapToDouble(NetworkLatency.Part::ms).sum();
  }

  private double predictorError(TableLatencyModel t) {
    if (Double.isNaN(predictorError)) {
      var samples = t.samples();
      predictorError = samples.size() < 20 ? 1.0
          : LatencyPredictor.crossValidate(samples, t.vectorWidth(), 10, 1).medianAbsRelError();
    }
    return predictorError;
  }
}
