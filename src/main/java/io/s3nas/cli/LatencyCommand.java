package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.HardwarePlatform;
import io.s3nas.latency.LatencyCheck;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencySource;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.Cost;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
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
    subcommands = {LatencyCommand.Estimate.class, LatencyCommand.Profile.class, LatencyValidateCommand.class,
        LatencyImportCommand.class})
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
