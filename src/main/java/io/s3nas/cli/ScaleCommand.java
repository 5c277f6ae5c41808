package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.LatencyCheck;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.scaling.CandidatePlot;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas scale}: compound scaling of an architecture up to a latency budget (method.md §8). */
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
      description = "On a measurable platform, do not measure the chosen network")
  boolean noMeasure;
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
    LatencyModel model = common.hardware().model(hardware);
    // a measured platform sweeps through a view predicting from what it has measured so far
    Supplier<LatencyModel> sweep = model instanceof MeasuredLatencyModel m ? () -> m.predictingView(64) : () -> model;
    boolean measure = model instanceof MeasurableLatencyModel && !noMeasure;
    // on a measured platform the choice is checked with its parts measured (ScalingSearch.run)
    ScalingSearch.Result r = ScalingSearch.run(base, sweep, measure ? model : null, budgetMs, size, grid);
    LatencyCheck check = measure ? LatencyCheck.of((MeasurableLatencyModel) model, r.architecture(), r.verifiedMs())
        : null;
    Files.createDirectories(out);
    ModelJson.write(r.architecture().spec(), out.resolve("scaled_model.json"));
    writeCsv(r, out.resolve("candidates.csv"));
    CandidatePlot.write(out.resolve("candidates.png"), r);
    ScalingSearch.Candidate c = r.chosen();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("arch", arch);
    o.put("hardware", hardware);
    o.put("budget_ms", budgetMs);
    o.put("base_ms", r.baseMs());
    o.put("by", by);
    o.put("candidates", r.candidates().size());
    o.put("fitting", r.candidates().stream().filter(ScalingSearch.Candidate::fits).count());
    o.put("sweep_seconds", r.seconds());
    o.put("width", c.scaling().width());
    o.put("depth", c.scaling().depthList() == null ? c.scaling().depth() : c.scaling().depthList());
    o.put("resolution", c.scaling().resolution());
    o.put("img_size", c.imgSize());
    o.put("blocks", c.blocks());
    o.put("estimated_latency_ms", c.latencyMs());
    o.put("budget_use", c.latencyMs() / budgetMs);
    o.put("macs", c.macs());
    o.put("params", c.params());
    if (check != null) {
      o.put("estimated_with_measured_parts_ms", check.estimatedMs());
      o.put("choices_checked", r.verifications());
      o.put("check_seconds", r.checkSeconds());
      o.putAll(check.fields());
    }
    o.put("block_strings", r.architecture().blockStrings());
    o.put("files", Map.of("model", out.resolve("scaled_model.json").toString(), "candidates",
        out.resolve("candidates.csv").toString(), "plot", out.resolve("candidates.png").toString()));
    Files.writeString(out.resolve("scaling.json"), Json.of(o) + "\n", StandardCharsets.UTF_8);
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.of(o));
    } else {
      pw.printf(Locale.ROOT, "%,d candidates in %.2f s; chose w %.2f, d %s, r %.2f: %dx%d input, %d blocks, %.4f ms "
              + "estimated (%.1f%% of the %.4f ms budget; base %.4f ms), %,d MACs, %,d params%n",
          r.candidates().size(), r.seconds(), c.scaling().width(), o.get("depth"), c.scaling().resolution(), c.imgSize(),
          c.imgSize(), c.blocks(), c.latencyMs(), 100 * c.latencyMs() / budgetMs, budgetMs, r.baseMs(), c.macs(), c.params());
      if (check != null) {
        pw.printf(Locale.ROOT, "on %s, %d choice(s) checked with their parts measured (%.1f s); the chosen one %s%n",
            hardware, r.verifications(), r.checkSeconds(), check.describe());
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

  private static void writeCsv(ScalingSearch.Result r, Path file) throws IOException {
    StringBuilder sb = new StringBuilder("width,depth,depth_list,resolution,img_size,blocks,latency_ms,macs,params,fits\n");
    for (ScalingSearch.Candidate c : r.candidates()) {
      var s = c.scaling();
      sb.append(String.format(Locale.ROOT, "%.2f,%.2f,%s,%.2f,%d,%d,%.6f,%d,%d,%b%n", s.width(), s.depth(),
          s.depthList() == null ? "" : String.join(" ", s.depthList().stream().map(String::valueOf).toList()),
          s.resolution(), c.imgSize(), c.blocks(), c.latencyMs(), c.macs(), c.params(), c.fits()));
    }
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }
}
