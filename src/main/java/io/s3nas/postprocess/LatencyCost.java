package io.s3nas.postprocess;

import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyUncertainty;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.MeasurementGate;
import io.s3nas.latency.TableLatencyModel;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a change costs in latency on a platform: measured (base and candidate timed interleaved as
 * whole networks, in the table's units) where the platform can be measured, otherwise the estimates
 * with the candidate's uncertainty band ({@link LatencyUncertainty}: predicted parts times the
 * predictor's cross-validated error on a table platform; unknown on an analytical one).
 *
 * <p>With a gating {@link MeasurementGate} a measurable platform measures only a candidate whose
 * estimate's interval straddles the limit, and each network once (docs/latency.md, "Measurement
 * only where it matters"); the others keep their estimates with the gate's band, unless they hold
 * what the base lacks (SE, another activation: {@link MeasurementGate#covered}). The estimates the
 * gate judges are corrected by the median measured / estimated ratio of the networks this stage
 * has measured, so a bias one measurement revealed is not trusted away. {@link #count()}
 * says how many networks were measured against the two per comparison the measure-everything
 * policy times.
 */
public final class LatencyCost {
  /** A latency with its provenance; {@code uncertaintyMs} is the candidate's band (0 when measured). */
  public record Value(double baseMs, double candidateMs, double uncertaintyMs, String method) {
    public double deltaMs() {
      return candidateMs - baseMs;
    }
  }

  private static final String MEASURED_ONCE = "measured (whole networks, in the table's units; each network measured "
      + "once)";

  private final LatencyModel model;
  private final FixedLatency fixed;
  private final LatencyUncertainty uncertainty;
  private final MeasurementGate gate;
  private final double limitMs;
  private final Map<ModelSpec, Double> measured = new HashMap<>();
  private final Map<ModelSpec, Double> estimates = new HashMap<>();
  private MeasurementGate.Count count = MeasurementGate.Count.NONE;

  public LatencyCost(LatencyModel model) {
    this(model, MeasurementGate.all(), Double.POSITIVE_INFINITY);
  }

  /** @param limitMs what a candidate must fit: the gate decides against it */
  public LatencyCost(LatencyModel model, MeasurementGate gate, double limitMs) {
    this.model = model;
    this.fixed = new FixedLatency(model.estimatingView());
    this.uncertainty = new LatencyUncertainty(model);
    this.gate = gate;
    this.limitMs = limitMs;
  }

  public double estimateMs(Architecture a) {
    return fixed.totalMs(a);
  }

  /**
   * Whether {@code a}'s estimate does not contradict a measurement within {@code limitMs}: the lower
   * edge of its band lies within the limit too (docs/latency.md, "Two opinions"; true where the band
   * is unknown).
   */
  public boolean estimateAgrees(Architecture a, double limitMs) {
    double est = fixed.totalMs(a);
    double band = uncertainty.bandMs(a, est);
    return Double.isNaN(band) || est - band <= limitMs;
  }

  /** Networks measured so far, and those the measure-everything policy would have measured. */
  public MeasurementGate.Count count() {
    return count;
  }

  public MeasurementGate gate() {
    return gate;
  }

  /** The median of measured / estimated over the networks this stage measured (1 before the first). */
  private double correction() {
    if (measured.isEmpty()) {
      return 1;
    }
    double[] r = measured.entrySet().stream().mapToDouble(e -> e.getValue() / estimates.get(e.getKey())).sorted()
        .toArray();
    return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
  }

  public Value of(Architecture base, Architecture candidate) {
    if (model instanceof MeasurableLatencyModel m) {
      if (!gate.gating()) {
        double[] ms = m.measureNetworks(List.of(base, candidate)).inTableUnits();
        count = count.plus(2, 2);
        return new Value(ms[0], ms[1], 0, "measured (interleaved whole networks, in the table's units)");
      }
      if (measured.containsKey(base.spec()) && measured.containsKey(candidate.spec())) {
        count = count.plus(0, 2);
        return new Value(measured.get(base.spec()), measured.get(candidate.spec()), 0, MEASURED_ONCE);
      }
      // estimates corrected by what this stage measured so far (its networks' measured / estimated)
      double k = correction();
      double c = k * fixed.totalMs(candidate);
      // a change adds what the calibration never timed (SE, another activation): measured, not trusted
      MeasurementGate.Call call = MeasurementGate.covered(base, candidate) ? gate.decide(c, limitMs)
          : MeasurementGate.Call.MEASURE;
      if (call != MeasurementGate.Call.MEASURE) {
        count = count.plus(0, 2);
        return new Value(measured.getOrDefault(base.spec(), k * fixed.totalMs(base)), c, gate.bandMs(c),
            gate.describe(call, c, limitMs)
            + (k == 1 ? "" : String.format(java.util.Locale.ROOT, "; estimates × %.3f, as this stage measured", k)));
      }
      // straddles the limit: measure it, and the base unless this stage measured it already
      List<Architecture> todo = new ArrayList<>();
      for (Architecture a : List.of(base, candidate)) {
        if (!measured.containsKey(a.spec()) && todo.stream().noneMatch(x -> x.spec().equals(a.spec()))) {
          todo.add(a);
        }
      }
      if (!todo.isEmpty()) {
        double[] ms = m.measureNetworks(todo).inTableUnits();
        for (int i = 0; i < todo.size(); i++) {
          measured.put(todo.get(i).spec(), ms[i]);
          estimates.put(todo.get(i).spec(), fixed.totalMs(todo.get(i)));
        }
      }
      count = count.plus(todo.size(), 2);
      return new Value(measured.get(base.spec()), measured.get(candidate.spec()), 0, MEASURED_ONCE);
    }
    double b = fixed.totalMs(base);
    double c = fixed.totalMs(candidate);
    double band = uncertainty.bandMs(candidate, c);
    return new Value(b, c, Double.isNaN(band) ? 0 : band, model instanceof TableLatencyModel
        ? "table; predicted parts ± the predictor's 90th-percentile error" : "analytical (roofline, unvalidated)");
  }
}
