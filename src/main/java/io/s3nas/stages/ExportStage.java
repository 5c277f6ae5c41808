package io.s3nas.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.common.AtomicFiles;
import io.s3nas.export.OnnxExporter;
import io.s3nas.export.OnnxRuntimeCheck;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyUncertainty;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.MeasurementGate;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.nn.infer.InferenceNet;
import io.s3nas.nn.infer.TrainedWeights;
import io.s3nas.space.Architecture;
import io.s3nas.train.TrainedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last stage: the trained network exported to ONNX and verified in ONNX Runtime against ND4J,
 * and its latency settled against the budget (docs/design.md, "The pipeline"). On a measured
 * platform the network is measured whole (interleaved with some of its parts to correct the
 * machine's drift, docs/latency.md); a measurement over the budget is repeated up to
 * {@value #MEASUREMENTS} times in all and the median decides, so one noisy session does not decide
 * alone. Elsewhere the estimate with its uncertainty band is what is held against the budget.
 */
public final class ExportStage {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Whole-network measurements at most before the verdict. */
  static final int MEASUREMENTS = 3;

  /** The exported bytes and how far ONNX Runtime's outputs were from ND4J's. */
  public record Onnx(byte[] bytes, double maxAbsDifference) {}

  /**
   * The final latency verdict.
   *
   * @param measuredMs the median of the drift-corrected measurements (NaN on an unmeasured platform)
   * @param rawMs the raw measurements, ms now
   * @param drifts the machine's speed against its table in each measurement session
   * @param bandMs the estimate's uncertainty (NaN when unknown)
   * @param withinBudget measured (or, unmeasured, estimate plus band) within the budget
   * @param trusted how the gate trusted the estimate instead of measuring ({@code gate-final-check};
   *     null when measured, or on a platform that cannot be)
   * @param count networks measured, against the measure-everything policy's
   */
  public record LatencyVerdict(double budgetMs, double estimatedMs, double bandMs, String uncertaintySource,
                               double measuredMs, double[] measurementsMs, double[] rawMs, double[] drifts,
                               boolean withinBudget, String trusted, MeasurementGate.Count count) {
    /** estimate / measured − 1 (NaN when not measured). */
    public double estimateError() {
      return estimatedMs / measuredMs - 1;
    }

    /** result.json's latency fields. */
    public Map<String, Object> fields() {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("budget_ms", budgetMs);
      o.put("estimated_latency_ms", estimatedMs);
      o.put("estimate_uncertainty_ms", Double.isNaN(bandMs) ? null : bandMs);
      o.put("uncertainty_source", uncertaintySource);
      o.put("measured_latency_ms", Double.isNaN(measuredMs) ? null : measuredMs);
      o.put("latency_measurements_ms", Arrays.stream(measurementsMs).boxed().toList());
      o.put("latency_measurements_raw_ms", Arrays.stream(rawMs).boxed().toList());
      o.put("machine_drift", Arrays.stream(drifts).boxed().toList());
      o.put("estimate_error", Double.isNaN(measuredMs) ? null : estimateError());
      o.put("within_budget", withinBudget);
      o.put("latency_trusted", trusted);
      return o;
    }
  }

  private ExportStage() {}

  /** Exports {@code m} and checks it in ONNX Runtime on {@code checkImages} random images. */
  public static Onnx onnx(TrainedModel m, String producer, double tolerance, int checkImages) {
    // ND4J work on the process's one ND4J thread: another thread's ND4J ops would slow every later
    // timing of this process (a cluster node runs search after search), see Nd4jThread
    Onnx checked = io.s3nas.nn.infer.Nd4jThread.call(() -> {
      TrainedWeights w = new TrainedWeights(m.tensors(), m.bnEpsilon());
      byte[] bytes = OnnxExporter.network(m.architecture(), w, m.normalization(), producer);
      return new Onnx(bytes, OnnxRuntimeCheck.maxAbsDifference(bytes, InferenceNet.of(m.architecture(), w), checkImages,
          1));
    });
    byte[] onnx = checked.bytes();
    double diff = checked.maxAbsDifference();
    if (!(diff <= tolerance)) {
      throw new IllegalStateException(String.format(java.util.Locale.ROOT, "the ONNX export differs from ND4J by %.3g, "
          + "more than the %.0e allowed (onnx-tolerance); nothing written", diff, tolerance));
    }
    return new Onnx(onnx, diff);
  }

  /** Writes the verified bytes, atomically. */
  public static void write(Onnx o, Path file) {
    AtomicFiles.write(file, o.bytes());
  }

  /** The final network's latency against the budget on {@code model}'s platform, always measured where it can be. */
  public static LatencyVerdict latency(Architecture a, LatencyModel model, double budgetMs) {
    return latency(a, model, budgetMs, MeasurementGate.all(), 0, null);
  }

  /**
   * As above; where the policy gates the final check ({@code gate-final-check}), a network whose
   * estimate ± the gate's band lies within the budget less {@code margin} of it, and which holds
   * nothing the calibration's networks lacked ({@code reference}, the derived network:
   * {@link MeasurementGate#covered}), is trusted unmeasured. Otherwise it is measured: a trusted
   * network is never shipped on an estimate that straddles its budget.
   */
  public static LatencyVerdict latency(Architecture a, LatencyModel model, double budgetMs, MeasurementGate gate,
                                       double margin, Architecture reference) {
    double est = new FixedLatency(model.estimatingView()).totalMs(a);
    LatencyUncertainty u = new LatencyUncertainty(model);
    double band = u.bandMs(a, est);
    if (!(model instanceof MeasurableLatencyModel m)) {
      boolean within = est + (Double.isNaN(band) ? 0 : band) <= budgetMs;
      return new LatencyVerdict(budgetMs, est, band, u.source(), Double.NaN, new double[0], new double[0],
          new double[0], within, null, MeasurementGate.Count.NONE);
    }
    double limit = budgetMs * (1 - margin);
    if (gate.policy().gateFinalCheck() && MeasurementGate.covered(reference, a)
        && gate.decide(est, limit) == MeasurementGate.Call.TRUSTED_WITHIN) {
      return new LatencyVerdict(budgetMs, est, band, u.source(), Double.NaN, new double[0], new double[0],
          new double[0], true, gate.describe(MeasurementGate.Call.TRUSTED_WITHIN, est, limit),
          new MeasurementGate.Count(0, 1));
    }
    List<Double> table = new ArrayList<>();
    List<Double> raw = new ArrayList<>();
    List<Double> drift = new ArrayList<>();
    double median;
    do {
      NetworkMeasurement nm = m.measureNetworks(List.of(a));
      table.add(nm.inTableUnits()[0]);
      raw.add(nm.ms()[0]);
      drift.add(nm.drift());
      double[] sorted = table.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      int n = sorted.length;
      median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      // over the budget: measure again (up to MEASUREMENTS) before the verdict, the median decides
    } while (median > budgetMs && table.size() < MEASUREMENTS);
    return new LatencyVerdict(budgetMs, est, band, u.source(), median, unbox(table), unbox(raw), unbox(drift),
        median <= budgetMs, null, new MeasurementGate.Count(table.size(), table.size()));
  }

  /**
   * result.json's {@code latency_measurements}: per stage the networks measured whole and those the
   * measure-everything policy would have measured at the same decisions, from {@code scaling.json}
   * and {@code postprocess.json} in {@code dir} (stages that are absent, or wrote no counts, are left
   * out) and the final check.
   */
  public static Map<String, Object> measurements(Path dir, LatencyVerdict v) {
    Map<String, Object> o = new LinkedHashMap<>();
    MeasurementGate.Count total = MeasurementGate.Count.NONE;
    String policy = null;
    for (String[] f : new String[][] {{"scaling", "scaling.json"}, {"post_processing", "postprocess.json"}}) {
      Path file = dir.resolve(f[1]);
      if (!Files.exists(file)) {
        continue;
      }
      try {
        JsonNode g = MAPPER.readTree(file.toFile()).path("measurement_gate");
        if (g.isMissingNode()) {
          continue;
        }
        MeasurementGate.Count c = new MeasurementGate.Count(g.path("measured").asInt(), g.path("measure_all").asInt());
        policy = g.path("policy").asText();
        o.put(f[0], c.json());
        total = total.plus(c);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    o.put("final_check", v.count().json());
    total = total.plus(v.count());
    o.put("total", total.json());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("policy", policy);
    out.putAll(o);
    return out;
  }

  private static double[] unbox(List<Double> l) {
    return l.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
