package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.HardwarePlatform;
import io.s3nas.latency.LatencyCheck;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyPredictor;
import io.s3nas.latency.LatencySource;
import io.s3nas.latency.LatencyTable;
import io.s3nas.latency.LatencyValidator;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.TableLatencyModel;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.scaling.CompoundScaler;
import io.s3nas.scaling.Scaling;
import io.s3nas.space.Architecture;
import io.s3nas.space.Cost;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas latency ...}: latency models per hardware platform. */
@Command(name = "latency", description = "Estimate, profile, validate and import latency models.",
    subcommands = {LatencyCommand.Estimate.class, LatencyCommand.Profile.class, LatencyCommand.Validate.class,
        LatencyCommand.Import.class})
public final class LatencyCommand {

  /** {@code s3nas latency estimate --hardware H --arch FILE|BLOCKSTRINGS [--base SUPERNET] [--json]}. */
  @Command(name = "estimate", mixinStandardHelpOptions = true,
      description = "Estimate the latency of a fixed architecture on a platform.")
  public static final class Estimate implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--hardware", required = true, description = "Platform name (conf/hardware/<name>.conf)")
    String hardware;

    @Option(names = "--arch", required = true, paramLabel = "FILE|BLOCKSTRINGS",
        description = "Architecture model JSON, or block strings (stages separated by '|')")
    String arch;

    @Option(names = "--base", paramLabel = "SUPERNET",
        description = "With block strings: the model JSON giving input size, stem and head")
    String base;

    @Option(names = "--json", description = "Print one JSON object (see docs/cli.md)")
    boolean json;

    @Option(names = "--measure", description = "Also time the whole network on a measured platform and compare")
    boolean measure;

    @Override
    public Integer call() {
      Architecture a = readArchitecture(common, arch, base);
      LatencyModel model = common.hardware().model(hardware);
      if (measure && !(model instanceof MeasurableLatencyModel)) {
        throw new InvalidInputException("--measure", null, "a platform this machine can measure (cpu-nd4j, "
            + "onnxruntime-cpu); " + hardware + " is not one");
      }
      NetworkLatency.Breakdown b = NetworkLatency.estimate(a, model);
      LatencyCheck check = measure ? LatencyCheck.of((MeasurableLatencyModel) model, a, b.totalMs()) : null;
      Cost cost = a.cost();
      PrintWriter out = spec.commandLine().getOut();
      List<NetworkLatency.Part> filled = b.notFromTable();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("platform", b.platform());
        o.put("latency_ms", b.totalMs());
        o.put("params", cost.params());
        o.put("macs", cost.macs());
        o.put("blocks", a.blocks().size());
        if (check != null) {
          o.putAll(check.fields());
        }
        o.put("block_strings", a.blockStrings());
        Map<String, Integer> sources = new LinkedHashMap<>();
        b.sources().forEach((k, v) -> sources.put(k.name().toLowerCase(Locale.ROOT), v));
        o.put("sources", sources);
        o.put("components", b.parts().stream().map(p -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", p.name());
          m.put("key", p.tableKey());
          m.put("ms", p.ms());
          m.put("source", p.source().name().toLowerCase(Locale.ROOT));
          return m;
        }).toList());
        out.println(Json.of(o));
        return 0;
      }
      out.printf("%s: %.6f ms  (%d blocks, %,d params, %,d MACs)%n", b.platform(), b.totalMs(), a.blocks().size(),
          cost.params(), cost.macs());
      if (check != null) {
        out.println(check.describe());
      }
      out.printf("%-20s %-58s %12s  %s%n", "part", "table key", "ms", "source");
      for (NetworkLatency.Part p : b.parts()) {
        out.printf("%-20s %-58s %12.6f  %s%n", p.name(), p.tableKey(), p.ms(), p.source().name().toLowerCase(Locale.ROOT));
      }
      if (!filled.isEmpty()) {
        out.printf("note: %d of %d parts are not in the %s table; they were filled by the %s:%n", filled.size(),
            b.parts().size(), b.platform(), filled.get(0).source() == LatencySource.PREDICTED ? "predictor" : "analytical model");
        filled.forEach(p -> out.println("  " + p.tableKey()));
      }
      return 0;
    }
  }

  /** {@code s3nas latency profile --hardware cpu-nd4j --supernet FILE}. */
  @Command(name = "profile", mixinStandardHelpOptions = true,
      description = "Measure every block outcome of a supernet on this machine and cache the table; calibrate it on "
          + "whole networks when this machine has no calibration yet, as a search's latency stage does.")
  public static final class Profile implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--hardware", required = true) String hardware;
    @Option(names = "--supernet", required = true, paramLabel = "FILE") String supernet;
    @Option(names = "--no-calibrate", description = "Only the table: no whole-network calibration")
    boolean noCalibrate;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() {
      ModelSpec sup = common.model(supernet, "--supernet");
      MeasurableLatencyModel model = measurable(common.hardware(), hardware, "profile");
      SearchSpace space = SearchSpace.of(sup);
      long t0 = System.nanoTime();
      NetworkLatency nl;
      io.s3nas.latency.Calibration cal = null;
      try (ProgressBar bar = bar("profiling " + hardware, roundsOf(model))) {
        onProgress(model, bar);
        if (noCalibrate) {
          nl = NetworkLatency.of(space, model);
        } else {
          io.s3nas.stages.PipelineSettings d = io.s3nas.stages.PipelineSettings.defaults();
          cal = io.s3nas.stages.LatencyStage.run(new io.s3nas.stages.LatencyStage.Request(space, 0, 1, 0, 0,
              d.calibrationNetworks(), d.calibrationHeldOut(), 1), model).calibration();
          nl = NetworkLatency.of(space, model);
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      PrintWriter out = spec.commandLine().getOut();
      String file = model instanceof MeasuredLatencyModel n ? n.tableFile().toString() : "";
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("platform", hardware);
        o.put("machine", model.describeMachine());
        o.put("table", file);
        o.put("blocks", space.blocks().size());
        o.put("min_ms", nl.minMs());
        o.put("max_ms", nl.maxMs());
        if (cal != null) {
          o.put("calibration", Map.of("intercept_ms", cal.interceptMs(), "scale", cal.scale(), "per_mparam_ms",
              cal.perMParamsMs(), "networks", cal.networks(), "held_out_errors", cal.heldOutErrors(),
              "relative_uncertainty", cal.relativeBand()));
        }
        o.put("seconds", secs);
        out.println(Json.of(o));
      } else {
        out.printf("profiled %d block positions of %s on %s in %.1f s%n", space.blocks().size(), supernet, model.describeMachine(), secs);
        out.printf("table: %s%nfastest architecture %.3f ms, slowest %.3f ms%n", file, nl.minMs(), nl.maxMs());
        if (cal != null) {
          out.printf(java.util.Locale.ROOT, "calibration: measured = %.3f ms + %.4f x sum + %.3f ms per million "
              + "parameters; held-out error worst %.1f%%, rms %.1f%%%n", cal.interceptMs(), cal.scale(),
              cal.perMParamsMs(), 100 * cal.maxAbsError(), 100 * cal.rmsError());
        }
      }
      return 0;
    }
  }

  /** {@code s3nas latency validate --hardware H --supernet FILE --samples N}. */
  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check a platform's estimates: measured platforms against whole-network measurements, "
          + "table platforms by k-fold cross-validation of the predictor.")
  public static final class Validate implements Callable<Integer> {
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
        try (ProgressBar bar = bar("validating " + hardware, roundsOf(m))) {
          onProgress(m, bar);
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

  /** {@code s3nas latency import --from PATH --format s3nas-folder|csv --out FILE [--name NAME]}. */
  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Import a latency table measured elsewhere (S3NAS folder or CSV) and optionally register it as a platform.")
  public static final class Import implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "PATH") Path from;
    @Option(names = "--format", required = true, description = "s3nas-folder or csv") String format;
    @Option(names = "--parse-key", defaultValue = "latency",
        description = "JSON key of S3NAS files (default ${DEFAULT-VALUE})")
    String parseKey;
    @Option(names = "--out", required = true, paramLabel = "FILE.csv") Path outFile;
    @Option(names = "--name", description = "Also write conf/hardware/<name>.conf for this table") String name;
    @Option(names = "--force", description = "Replace an existing conf/hardware/<name>.conf") boolean force;
    @Option(names = "--unit-divisor", defaultValue = "1",
        description = "Raw units per ms (1e6 for cycles at 1 GHz)")
    double divisor;
    @Option(names = "--vector-width", defaultValue = "1",
        description = "Device vector width for the predictor (64 for MIDAP)")
    int width;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() throws IOException {
      LatencyTable table = switch (format) {
        case "s3nas-folder" -> LatencyTable.readFolder(from, parseKey);
        case "csv" -> LatencyTable.readCsv(from);
        default -> throw new InvalidInputException("--format", null, "expected s3nas-folder or csv, got '" + format + "'");
      };
      if (!(divisor > 0) || width < 1) {
        throw new InvalidInputException("--unit-divisor/--vector-width", null, "expected a positive divisor and width");
      }
      if (name != null && !name.matches("[a-z0-9][a-z0-9._-]*")) {
        throw new InvalidInputException("--name", null, "expected a lower-case platform name like my-npu, got '" + name + "'");
      }
      Path conf = name == null ? null : common.confDir().resolve("hardware").resolve(name + ".conf");
      if (conf != null && Files.exists(conf) && !force) {
        // e.g. --name midap would silently replace the shipped platform
        throw new InvalidInputException("--name", null, "a platform name not taken: " + conf + " exists (--force "
            + "replaces it)");
      }
      Path parent = outFile.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      java.io.StringWriter csv = new java.io.StringWriter();
      table.writeCsv(csv, "imported from " + from + " (" + format + ")");
      io.s3nas.common.AtomicFiles.writeString(outFile, csv.toString());
      if (conf != null) {
        io.s3nas.common.AtomicFiles.writeString(conf, "# imported by s3nas latency import from " + from + "\n"
            + "kind = table\n"
            + "description = \"" + name + " (imported table)\"\n"
            + "table = \"" + outFile.toAbsolutePath() + "\"\n"
            + "format = csv\n"
            + "unit-divisor = " + divisor + "\n"
            + "vector-width = " + width + "\n"
            + "missing = predict\n");
      }
      LatencyPredictor.Accuracy acc = null;
      TableLatencyModel model = new TableLatencyModel(name == null ? "imported" : name, table, divisor, true, width, null);
      List<LatencyPredictor.Sample> samples = model.samples();
      if (samples.size() >= 50) {
        acc = LatencyPredictor.crossValidate(samples, width, 10, 1);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("entries", table.size());
        o.put("skipped_files", table.skipped());
        o.put("out", outFile.toString());
        o.put("conf", conf == null ? null : conf.toString());
        if (acc != null) {
          o.put("predictor_within_10pct", acc.within10());
          o.put("predictor_within_5pct", acc.within5());
        }
        out.println(Json.of(o));
      } else {
        out.printf("imported %d entries from %s into %s%n", table.size(), from, outFile);
        table.skipped().forEach(s -> out.println("skipped (not an <key>_imgsize<H> file): " + s));
        if (conf != null) {
          out.println("registered platform '" + name + "': " + conf);
        }
        if (acc != null) {
          out.printf("predictor for missing shapes, 10-fold: %.1f%% within ±10%%, %.1f%% within ±5%%%n",
              100 * acc.within10(), 100 * acc.within5());
        }
      }
      return 0;
    }
  }

  static Architecture readArchitecture(CommonOptions common, String arch, String base) {
    Path p = Path.of(arch);
    if (Files.isRegularFile(p)) {
      return Architecture.of(ModelJson.read(p), p.toString());
    }
    if (!arch.contains("_k")) {
      throw new InvalidInputException("--arch", null, "'" + arch + "' is neither a file nor block strings like r1_k3_s11_e6_i32_o32_c0");
    }
    if (base == null) {
      throw new InvalidInputException("--base", null, "block strings need --base SUPERNET for the input size, stem and head");
    }
    return Architecture.fromBlockStrings(arch, common.model(base, "--base"), "--arch");
  }

  static MeasurableLatencyModel measurable(HardwareRegistry reg, String hardware, String what) {
    LatencyModel model = reg.model(hardware);
    if (!(model instanceof MeasurableLatencyModel m)) {
      HardwarePlatform p = reg.platform(hardware);
      throw new InvalidInputException("--hardware", null, "platform '" + hardware + "' (" + p.kind().name().toLowerCase(Locale.ROOT)
          + ") cannot be measured on this machine, so there is nothing to " + what);
    }
    return m;
  }

  static int roundsOf(MeasurableLatencyModel m) {
    return m instanceof MeasuredLatencyModel n ? n.timerRounds() : 1;
  }

  static void onProgress(MeasurableLatencyModel m, ProgressBar bar) {
    if (m instanceof MeasuredLatencyModel n) {
      n.onProgress(done -> bar.stepTo(done));
    }
  }

  static ProgressBar bar(String task, int max) {
    return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250).continuousUpdate().build();
  }
}
