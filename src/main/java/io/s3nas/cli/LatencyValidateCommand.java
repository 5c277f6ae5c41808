package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyPredictor;
import io.s3nas.latency.LatencyValidator;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.TableLatencyModel;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas latency validate --hardware H --supernet FILE --samples N}. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Check a platform's estimates: measured platforms against whole-network measurements, "
        + "table platforms by k-fold cross-validation of the predictor.")
public final class LatencyValidateCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--hardware", required = true) String hardware;
  @Option(names = "--supernet", required = true, paramLabel = "FILE") String supernet;
  @Option(names = "--samples", defaultValue = "30",
      description = "Sampled architectures (default ${DEFAULT-VALUE})")
  int samples;
  @Option(names = "--calibration", defaultValue = "10",
      description = "Networks measured to fit the per-network overhead (default ${DEFAULT-VALUE})")
  int calibration;
  @Option(names = "--folds", defaultValue = "10",
      description = "Folds for table platforms (default ${DEFAULT-VALUE})")
  int folds;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--plot", paramLabel = "PNG",
      description = "Scatter plot file (default: latency-validation-<hardware>.png)")
  Path plot;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    if (samples < 2 || calibration < 0 || folds < 2) {
      throw new InvalidInputException("--samples/--calibration/--folds", null, "expected --samples >= 2, --calibration >= 0, --folds >= 2");
    }
    ModelSpec sup = common.model(supernet, "--supernet");
    HardwareRegistry reg = common.hardware();
    LatencyModel model = reg.model(hardware);
    PrintWriter out = spec.commandLine().getOut();
    SearchSpace space = SearchSpace.of(sup);
    if (model instanceof MeasurableLatencyModel m) {
      Path png = plot != null ? plot : Path.of("latency-validation-" + hardware + ".png");
      LatencyValidator.Report r;
      try (ProgressBar bar = LatencyCommand.bar("validating " + hardware, LatencyCommand.roundsOf(m))) {
        LatencyCommand.onProgress(m, bar);
        // a third of the networks at 1.5x resolution, a third 1.25x wider: scaled networks are what the
        // calibration must also hold for
        r = LatencyValidator.validate(m, space, samples, calibration, io.s3nas.stages.LatencyStage.VARIANTS, seed,
            i -> {});
      }
      io.s3nas.report.ScatterPlot.write(png, r.platform() + ": estimated vs measured (" + r.samples()
          + " architectures)", r.rows().stream().mapToDouble(LatencyValidator.Row::measuredMs).toArray(),
          r.rows().stream().mapToDouble(LatencyValidator.Row::estimatedMs).toArray());
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("platform", r.platform());
        o.put("machine", r.machine());
        o.put("samples", r.samples());
        o.put("within_10pct", r.within10());
        o.put("within_5pct", r.within5());
        o.put("spearman", r.spearman());
        o.put("raw_within_10pct", r.rawWithin10());
        o.put("raw_spearman", r.rawSpearman());
        o.put("calibration", Map.of("networks", r.calibrationNetworks(), "intercept_ms", r.interceptMs(), "scale", r.scale(),
            "per_mparam_ms", r.perMParamsMs()));
        o.put("machine_drift", r.drift());
        o.put("plot", png.toString());
        o.put("rows", r.rows().stream().map(x -> Map.of("block_strings", x.blockStrings(), "sum_ms", x.sumMs(),
            "estimated_ms", x.estimatedMs(), "measured_ms", x.measuredMs())).toList());
        out.println(Json.of(o));
      } else {
        out.printf("%s on %s: %d sampled architectures of %s%n", r.platform(), r.machine(), r.samples(), supernet);
        out.printf("within ±10%%: %.0f%%   within ±5%%: %.0f%%   Spearman: %.3f%n", 100 * r.within10(), 100 * r.within5(), r.spearman());
        out.printf("plain sums (no calibration): within ±10%% %.0f%%, Spearman %.3f%n", 100 * r.rawWithin10(), r.rawSpearman());
        out.printf("calibration on %d other networks (a third 1.5x resolution, a third 1.25x wider): measured = %.3f ms "
            + "+ %.4f x sum + %.3f ms per million parameters%n", r.calibrationNetworks(), r.interceptMs(), r.scale(),
            r.perMParamsMs());
        out.printf("the machine ran at %.3f x its table's times; measurements below are divided by that%n", r.drift());
        out.printf("%10s %10s %10s%n", "sum ms", "estimate", "measured");
        r.rows().forEach(x -> out.printf("%10.3f %10.3f %10.3f%n", x.sumMs(), x.estimatedMs(), x.measuredMs()));
        out.println("plot: " + png);
      }
      return 0;
    }
    if (model instanceof TableLatencyModel t) {
      List<LatencyPredictor.Sample> s = t.samples();
      LatencyPredictor.Accuracy acc = LatencyPredictor.crossValidate(s, t.vectorWidth(), folds, seed);
      NetworkLatency nl = NetworkLatency.of(space, model);
      int total = 0;
      int fromTable = 0;
      for (var b : space.blocks()) {
        for (int o = 0; o < b.outcomes().size(); o++) {
          if (b.concrete(o) != null) {
            total++;
            fromTable += t.table().contains(new io.s3nas.latency.Component.Block(b.concrete(o), b.inputSize()).tableKey()) ? 1 : 0;
          }
        }
      }
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("platform", hardware);
        o.put("table_entries", t.table().size());
        o.put("folds", acc.folds());
        o.put("held_out", acc.n());
        o.put("within_10pct", acc.within10());
        o.put("within_5pct", acc.within5());
        o.put("median_abs_rel_error", acc.medianAbsRelError());
        o.put("max_abs_rel_error", acc.maxAbsRelError());
        o.put("supernet_outcomes", total);
        o.put("supernet_outcomes_in_table", fromTable);
        o.put("supernet_min_ms", nl.minMs());
        o.put("supernet_max_ms", nl.maxMs());
        out.println(Json.of(o));
      } else {
        out.printf("%s: table of %d entries; predictor, %d-fold cross-validation on %d entries:%n", hardware,
            t.table().size(), acc.folds(), acc.n());
        out.printf("  held out within ±10%%: %.1f%%   within ±5%%: %.1f%%   median |error| %.2f%%   max %.1f%%%n",
            100 * acc.within10(), 100 * acc.within5(), 100 * acc.medianAbsRelError(), 100 * acc.maxAbsRelError());
        out.printf("%s: %d of %d block outcomes are in the table (the rest predicted); architectures span %.4f..%.4f ms%n",
            supernet, fromTable, total, nl.minMs(), nl.maxMs());
      }
      return 0;
    }
    throw new InvalidInputException("--hardware", null, "platform '" + hardware
        + "' has neither measurements nor a table to validate (an analytical model has nothing to check against)");
  }
}
