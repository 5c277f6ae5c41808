package io.s3nas.stages;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.common.AtomicFiles;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyUncertainty;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.MeasurementGate;
import io.s3nas.latency.MeasurementPolicy;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Compound scaling to the budget (docs/method.md §8) as one service for {@code s3nas scale} and the
 * search pipeline: the sweep priced on the platform (a measured platform's predicting view, which
 * never profiles), then the choice made on measurement where the platform can be measured (whole
 * networks, drift-corrected, within the budget less its margin) or with the estimate's
 * uncertainty band where it cannot ({@link ScalingSearch}). Writes {@code scaled_model.json},
 * {@code candidates.csv} and {@code scaling.json} (callers draw {@code candidates.png} with the
 * report's {@code CandidatePlot}).
 */
public final class ScalingStage {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * @param measure whether a measurable platform's choice is measured (false: estimates only)
   * @param policy which candidates are measured when it is ({@link MeasurementPolicy})
   */
  public record Request(Architecture base, double budgetMs, double margin, ScalingSearch.Size by,
                        ScalingSearch.Grid grid, boolean measure, MeasurementPolicy policy) {}

  /** The choice, its estimate and (where measured) its measured latency in the table's units. */
  /**
   * @param origins for each block of the chosen network, the index of the base network's block it is or
   *     copies ({@link io.s3nas.scaling.CompoundScaler#origins})
   * @param gate the gate that decided which candidates were measured
   */
  public record Result(ScalingSearch.Result search, double estimatedMs, double measuredMs, double bandMs,
                       String uncertaintySource, java.util.List<Integer> origins, MeasurementGate gate) {
    public Architecture architecture() {
      return search.architecture();
    }

    public boolean measured() {
      return !Double.isNaN(measuredMs);
    }

    /** The latency the budget was held against: measured where measured, else the estimate. */
    public double latencyMs() {
      return measured() ? measuredMs : estimatedMs;
    }
  }

  private ScalingStage() {}

  public static Result run(Request r, LatencyModel model) {
    LatencyModel sweep = model.estimatingView();
    LatencyUncertainty u = new LatencyUncertainty(model);
    ScalingSearch.Result s;
    MeasurementGate gate = r.policy().gate(model);
    if (r.measure() && model instanceof MeasurableLatencyModel m) {
      // measurements decide, with the estimate's band as a second opinion (ScalingSearch.run)
      s = ScalingSearch.run(r.base(), sweep, archs -> m.measureNetworks(archs).inTableUnits(), r.margin(), u::bandMs,
          r.budgetMs(), r.by(), r.grid(), gate);
    } else {
      s = ScalingSearch.run(r.base(), sweep, null, 0, model instanceof MeasurableLatencyModel ? null : u::bandMs,
          r.budgetMs(), r.by(), r.grid());
    }
    double est = new FixedLatency(sweep).totalMs(s.architecture());
    double band = Double.isNaN(s.bandMs()) ? u.bandMs(s.architecture(), est) : s.bandMs();
    return new Result(s, est, s.measuredMs(), band, u.source(),
        io.s3nas.scaling.CompoundScaler.origins(r.base(), s.chosen().scaling()), gate);
  }

  /**
   * The artifacts, in {@code dir}; returns {@code scaling.json}'s fields and the run's timings and
   * file names. The files hold only what the inputs decide (no timings, no paths), so the same
   * scaling written by {@code s3nas scale} and by a search is the same bytes.
   */
  public static Map<String, Object> write(Result r, String hardware, Path dir) {
    ScalingSearch.Result s = r.search();
    ModelJson.write(s.architecture().spec(), dir.resolve("scaled_model.json"));
    StringBuilder csv = new StringBuilder("width,depth,depth_list,resolution,img_size,blocks,latency_ms,macs,params,fits\n");
    for (ScalingSearch.Candidate c : s.candidates()) {
      var x = c.scaling();
      csv.append(String.format(Locale.ROOT, "%.2f,%.2f,%s,%.2f,%d,%d,%.6f,%d,%d,%b%n", x.width(), x.depth(),
          x.depthList() == null ? "" : String.join(" ", x.depthList().stream().map(String::valueOf).toList()),
          x.resolution(), c.imgSize(), c.blocks(), c.latencyMs(), c.macs(), c.params(), c.fits()));
    }
    AtomicFiles.writeString(dir.resolve("candidates.csv"), csv.toString());
    ScalingSearch.Candidate c = s.chosen();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("hardware", hardware);
    o.put("budget_ms", s.budgetMs());
    o.put("limit_ms", s.limitMs());
    o.put("base_ms", s.baseMs());
    o.put("by", s.by().name().toLowerCase(Locale.ROOT));
    o.put("candidates", s.candidates().size());
    o.put("fitting", s.candidates().stream().filter(ScalingSearch.Candidate::fits).count());
    o.put("width", c.scaling().width());
    o.put("depth", c.scaling().depthList() == null ? c.scaling().depth() : c.scaling().depthList());
    o.put("resolution", c.scaling().resolution());
    o.put("img_size", c.imgSize());
    o.put("blocks", c.blocks());
    o.put("estimated_latency_ms", r.estimatedMs());
    o.put("uncertainty_ms", r.bandMs());
    o.put("uncertainty_source", r.uncertaintySource());
    o.put("measured_latency_ms", r.measured() ? r.measuredMs() : null);
    o.put("budget_use", r.latencyMs() / s.budgetMs());
    o.put("macs", c.macs());
    o.put("params", c.params());
    o.put("measurements", s.measurements().stream().map(m -> {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("round", m.round());
      x.put("width", m.scaling().width());
      x.put("depth", m.scaling().depthList() == null ? m.scaling().depth() : m.scaling().depthList());
      x.put("resolution", m.scaling().resolution());
      x.put("estimated_ms", m.estimatedMs());
      x.put("measured_ms", m.trusted() ? null : m.measuredMs());
      if (m.trusted()) {
        x.put("trusted", r.gate().describe(m.call(), m.estimatedMs(), s.limitMs()));
      }
      return x;
    }).toList());
    // which candidates the gate measured, and how many a measure-everything policy would have
    o.put("measurement_gate", r.gate().json(s.count()));
    o.put("block_strings", s.architecture().blockStrings());
    // which base block each block is or copies: s3nas explain traces final blocks back through it
    o.put("block_origins", r.origins());
    try {
      AtomicFiles.writeString(dir.resolve("scaling.json"), MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o)
          + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> all = new LinkedHashMap<>(o);
    all.put("sweep_seconds", s.seconds());
    all.put("check_seconds", s.checkSeconds());
    all.put("files", Map.of("model", dir.resolve("scaled_model.json").toString(), "candidates",
        dir.resolve("candidates.csv").toString(), "plot", dir.resolve("candidates.png").toString()));
    return all;
  }

  /**
   * The standard grid plus every depth list adding up to {@code stageExtra} blocks to each stage,
   * limited to {@code maxMacsFactor} times the base's multiply-adds (0: no limit).
   */
  public static ScalingSearch.Grid standardGrid(Architecture base, int stageExtra, double maxMacsFactor) {
    ScalingSearch.Grid g = ScalingSearch.Grid.standard()
        .withDepthLists(ScalingSearch.Grid.stageIncrements(base, stageExtra));
    return maxMacsFactor > 0 ? g.withMaxMacs((long) (maxMacsFactor * base.cost().macs())) : g;
  }
}
