package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.search.Baselines;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas baseline greedy|random}: architectures of a supernet chosen without data, for the
 * comparisons that measure what the search is worth (docs/search-quality.md).
 */
@Command(name = "baseline", mixinStandardHelpOptions = true,
    description = "Write data-free baseline architectures of a supernet: the latency-greedy one for a target, or "
        + "random ones near a latency.")
public final class BaselineCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KIND", description = "greedy or random") String kind;
  @Option(names = "--supernet", required = true, paramLabel = "FILE") String supernet;
  @Option(names = "--hardware", required = true) String hardware;
  @Option(names = "--target-ms", required = true,
      description = "greedy: the target to meet; random: the latency to be near") double targetMs;
  @Option(names = "--count", defaultValue = "5", description = "random: how many (default ${DEFAULT-VALUE})")
  int count;
  @Option(names = "--tolerance", defaultValue = "0.02",
      description = "random: relative distance from --target-ms (default ${DEFAULT-VALUE})")
  double tolerance;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--out", defaultValue = "runs/baseline", paramLabel = "DIR") Path out;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws Exception {
    if (!kind.equals("greedy") && !kind.equals("random")) {
      throw new InvalidInputException("KIND", null, "greedy or random, got '" + kind + "'");
    }
    if (!(targetMs > 0) || count < 1 || count > 1000 || !(tolerance > 0 && tolerance < 1)) {
      throw new InvalidInputException("options", null, "--target-ms > 0, 1 <= --count <= 1000, 0 < --tolerance < 1");
    }
    ModelSpec model = common.model(supernet, "--supernet");
    SearchSpace space = SearchSpace.of(model);
    NetworkLatency latency = NetworkLatency.of(space, common.hardware().model(hardware));
    if (targetMs < latency.minMs()) {
      throw new InvalidInputException("--target-ms", null, String.format(Locale.ROOT, "a target the supernet can meet: "
          + "its fastest architecture is %.4f ms on %s", latency.minMs(), hardware));
    }
    List<int[]> choices = kind.equals("greedy") ? List.of(Baselines.greedy(space, latency, targetMs))
        : Baselines.random(space, latency, targetMs, tolerance, count, seed, 20_000_000L);
    if (choices.size() < count && kind.equals("random")) {
      throw new InvalidInputException("--target-ms", null, String.format(Locale.ROOT, "a latency random "
          + "architectures reach: %d of %d found within %.0f%% of %.4f ms in 20 million draws", choices.size(), count,
          100 * tolerance, targetMs));
    }
    Files.createDirectories(out);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < choices.size(); i++) {
      Architecture a = space.architecture(choices.get(i));
      String name = kind.equals("greedy") ? "greedy_model.json" : String.format(Locale.ROOT, "random_%02d_model.json", i);
      ModelJson.write(a.spec(), out.resolve(name));
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("model", out.resolve(name).toString());
      r.put("estimated_latency_ms", latency.estimate(choices.get(i)));
      r.put("params", a.cost().params());
      r.put("macs", a.cost().macs());
      r.put("block_strings", a.blockStrings());
      rows.add(r);
    }
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.of(Map.of("kind", kind, "target_ms", targetMs, "architectures", rows)));
    } else {
      rows.forEach(r -> pw.printf(Locale.ROOT, "%s: %.4f ms, %,d params%n", r.get("model"), r.get(
          "estimated_latency_ms"), r.get("params")));
    }
    return 0;
  }
}
