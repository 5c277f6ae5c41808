package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.LatencyModel;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.space.Architecture;
import io.s3nas.stages.ScalingStage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas scale}: compound scaling of an architecture up to a latency budget (docs/method.md §8). */
@Command(name = "scale", mixinStandardHelpOptions = true,
    description = "Scale an architecture (width, depth, resolution) to the largest network within a latency budget.")
public final class ScaleCommand implements Callable<Integer> {
  /** About 13,000 candidates are priced a second: a larger grid takes minutes. */
  static final long MAX_CANDIDATES = 1_000_000;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--arch", required = true, paramLabel = "FILE", description = "Architecture model JSON") String arch;
  @Option(names = "--hardware", required = true) String hardware;
  @Option(names = "--budget-ms", required = true, description = "The real latency constraint in ms") double budgetMs;
  @Option(names = "--by", defaultValue = "macs",
      description = "Size to maximise: macs or params (default ${DEFAULT-VALUE})")
  String by;
  @Option(names = "--widths", defaultValue = "1.0:2.0:0.05",
      description = "w grid from:to:step (default ${DEFAULT-VALUE})")
  String widths;
  @Option(names = "--depths", defaultValue = "1.0:3.0:0.1",
      description = "d grid from:to:step (default ${DEFAULT-VALUE})")
  String depths;
  @Option(names = "--resolutions", defaultValue = "1.0:2.0:0.05",
      description = "r grid from:to:step (default ${DEFAULT-VALUE})")
  String resolutions;
  @Option(names = "--depth-list", paramLabel = "N,N,...",
      description = "An explicit block count per stage, tried with every w and r (repeatable)")
  List<String> depthLists = new ArrayList<>();
  @Option(names = "--stage-extra", defaultValue = "1", paramLabel = "K",
      description = "Also try every depth list adding 0..K blocks to each stage, with every w and r (0: none; "
          + "default ${DEFAULT-VALUE})")
  int stageExtra;
  @Option(names = "--divisor", defaultValue = "8",
      description = "Channel counts are multiples of this (default ${DEFAULT-VALUE})")
  int divisor;
  @Option(names = "--no-measure",
      description = "On a measurable platform, choose on estimates alone (no whole-network measurements)")
  boolean noMeasure;
  @Option(names = "--margin", defaultValue = "0.03",
      description = "On a measurable platform, the share of the budget a measured choice leaves free for "
          + "measurement noise (default ${DEFAULT-VALUE})")
  double margin;
  @picocli.CommandLine.Mixin MeasurementOptions measurement;
  @Option(names = "--out", defaultValue = "runs/scale", paramLabel = "DIR") Path out;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    ScalingSearch.Size size = switch (by) {
      case "macs" -> ScalingSearch.Size.MACS;
      case "params" -> ScalingSearch.Size.PARAMS;
      default -> throw new InvalidInputException("--by", null, "macs or params, got '" + by + "'");
    };
    if (!(budgetMs > 0) || divisor < 1) {
      throw new InvalidInputException("options", null, "--budget-ms > 0 and --divisor >= 1");
    }
    if (!(margin >= 0 && margin < 0.5)) {
      throw new InvalidInputException("--margin", null, "a share of the budget in [0, 0.5), got " + margin);
    }
    if (stageExtra < 0 || stageExtra > 3) {
      throw new InvalidInputException("--stage-extra", null, "0 to 3 extra blocks per stage, got " + stageExtra);
    }
    Architecture base = Architecture.of(common.model(arch, "--arch"), arch);
    List<List<Integer>> lists = new ArrayList<>();
    for (String d : depthLists) {
      lists.add(depthList(d, base.spec().stages().size()));
    }
    lists.addAll(ScalingSearch.Grid.stageIncrements(base, stageExtra));
    ScalingSearch.Grid grid = new ScalingSearch.Grid(range("--widths", widths), range("--depths", depths),
        range("--resolutions", resolutions), lists, divisor);
    if (grid.size() > MAX_CANDIDATES) {
      throw new InvalidInputException("--stage-extra", null, String.format("a grid of at most %,d candidates; "
          + "these options give %,d (lower --stage-extra or coarsen --widths/--resolutions)", MAX_CANDIDATES,
          grid.size()));
    }
    io.s3nas.latency.MeasurementPolicy policy = measurement.policy();
    LatencyModel model = common.hardware().model(hardware);
    ScalingStage.Result r = ScalingStage.run(new ScalingStage.Request(base, budgetMs, margin, size, grid, !noMeasure,
        policy), model);
    Files.createDirectories(out);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("arch", arch);
    o.putAll(ScalingStage.write(r, hardware, out));
    io.s3nas.report.CandidatePlot.write(out.resolve("candidates.png"), r.search());
    ScalingSearch.Result sr = r.search();
    ScalingSearch.Candidate c = sr.chosen();
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.of(o));
    } else {
      pw.printf(Locale.ROOT, "%,d candidates in %.2f s; chose w %.2f, d %s, r %.2f: %dx%d input, %d blocks, %.4f ms "
              + "estimated (± %.4f ms; base %.4f ms), %,d MACs, %,d params%n",
          sr.candidates().size(), sr.seconds(), c.scaling().width(), o.get("depth"), c.scaling().resolution(),
          c.imgSize(), c.imgSize(), c.blocks(), r.estimatedMs(), r.bandMs(), sr.baseMs(), c.macs(), c.params());
      if (!sr.measurements().isEmpty()) {
        pw.printf(Locale.ROOT, "on %s, %d of %d network(s) measured whole in %.1f s (the rest trusted on their "
            + "estimates: --latency-measurement %s); ", hardware, sr.count().measured(), sr.count().measureAll(),
            sr.checkSeconds(), measurement.mode);
        if (r.measured()) {
          pw.printf(Locale.ROOT, "the chosen one measures %.4f ms, %.1f%% of the %.4f ms budget (the choice had to "
              + "fit %.4f ms)%n", r.measuredMs(), 100 * r.measuredMs() / budgetMs, budgetMs, sr.limitMs());
        } else {
          pw.printf(Locale.ROOT, "the chosen one was %s%n", r.gate().describe(
              io.s3nas.latency.MeasurementGate.Call.TRUSTED_WITHIN, r.estimatedMs(), sr.limitMs()));
        }
      }
      pw.println("written: " + out.resolve("scaled_model.json") + ", " + out.resolve("candidates.csv") + ", "
          + out.resolve("candidates.png") + ", " + out.resolve("scaling.json"));
    }
    return 0;
  }

  private static List<Double> range(String flag, String spec) {
    String[] p = spec.split(":");
    try {
      if (p.length == 1) {
        return List.of(Double.parseDouble(p[0]));
      }
      if (p.length == 3) {
        double from = Double.parseDouble(p[0]);
        double to = Double.parseDouble(p[1]);
        double step = Double.parseDouble(p[2]);
        if (from >= 1 && to >= from && step > 0) {
          return ScalingSearch.Grid.steps(from, to, step);
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidInputException(flag, null, "a value >= 1 or from:to:step with 1 <= from <= to and step > 0, got '"
        + spec + "'");
  }

  private static List<Integer> depthList(String spec, int stages) {
    List<Integer> out = new ArrayList<>();
    try {
      for (String s : spec.split(",")) {
        out.add(Integer.parseInt(s.strip()));
      }
    } catch (NumberFormatException e) {
      out.clear();
    }
    if (out.size() != stages) {
      throw new InvalidInputException("--depth-list", null, stages + " comma-separated block counts (one per stage), got '"
          + spec + "'");
    }
    return out;
  }
}
