package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Dataset;
import io.s3nas.data.Datasets;
import io.s3nas.data.Normalization;
import io.s3nas.data.Splits;
import io.s3nas.latency.LatencyModel;
import io.s3nas.postprocess.Change;
import io.s3nas.postprocess.DecisionRule;
import io.s3nas.postprocess.LatencyCost;
import io.s3nas.postprocess.PostProcessor;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.train.FinalTraining;
import io.s3nas.train.TrainingSettings;
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
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas postprocess}: add SE and h-swish where they pay for their latency, then rmSE (method.md §9). */
@Command(name = "postprocess", mixinStandardHelpOptions = true,
    description = "Decide SE per stage and h-swish per stage or globally by measured cost and probed gain, within a budget; then rmSE.")
public final class PostprocessCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin DatasetOptions datasets;
  @Spec CommandSpec spec;

  @Option(names = "--arch", required = true, paramLabel = "FILE") String arch;
  @Option(names = "--hardware", required = true) String hardware;
  @Option(names = "--budget-ms", required = true) double budgetMs;
  @Option(names = "--probe-epochs", defaultValue = "1",
      description = "Epochs of each probe training (default ${DEFAULT-VALUE})")
  double probeEpochs;
  @Option(names = "--train-limit", defaultValue = "10000",
      description = "Training images the probes use (0 = all; default ${DEFAULT-VALUE})")
  int trainLimit;
  @Option(names = "--validation", defaultValue = "0.2",
      description = "Share of them held out to score the probes (default ${DEFAULT-VALUE})")
  double validationShare;
  @Option(names = "--batch", defaultValue = "128") int batch;
  @Option(names = "--threads", defaultValue = "2") int threads;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--se-ratio", defaultValue = "0.25") double seRatio;
  @Option(names = "--min-gain", defaultValue = "0.2",
      description = "Minimum top-1 gain in points (default ${DEFAULT-VALUE})")
  double minGain;
  @Option(names = "--points-per-percent", defaultValue = "0.1",
      description = "Minimum gain per percent of latency (default ${DEFAULT-VALUE})")
  double pointsPerPercent;
  @Option(names = "--rmse-relative", defaultValue = "0.25",
      description = "rmSE removes SE below this share of the median block's excitation std (default ${DEFAULT-VALUE})")
  double rmSeRelative;
  @Option(names = "--out", defaultValue = "runs/postprocess", paramLabel = "DIR") Path out;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    if (!(budgetMs > 0) || !(probeEpochs > 0) || trainLimit < 0 || batch < 1 || threads < 1 || !(seRatio > 0 && seRatio <= 1)
        || !(validationShare > 0 && validationShare < 1) || minGain < 0 || pointsPerPercent < 0 || rmSeRelative < 0) {
      throw new InvalidInputException("options", null, "--budget-ms > 0, --probe-epochs > 0, --train-limit >= 0, "
          + "--batch >= 1, --threads >= 1, 0 < --se-ratio <= 1, 0 < --validation < 1, non-negative rule settings");
    }
    ModelSpec model = common.model(arch, "--arch");
    Architecture base = Architecture.of(model, arch);
    LatencyModel platform = common.hardware().model(hardware);
    LatencyCost cost = new LatencyCost(platform);
    double baseMs = cost.estimateMs(base);
    if (baseMs > budgetMs) {
      throw new InvalidInputException("--budget-ms", null, String.format(Locale.ROOT, "at least the architecture's own "
          + "%.4f ms on %s, got %.4f ms", baseMs, hardware, budgetMs));
    }
    Dataset all = datasets.load(model, arch, seed).train();
    if (trainLimit > 0) {
      all = all.head(trainLimit);
    }
    Splits.TrainValidation split = Splits.holdOut(all, validationShare, seed);
    Normalization norm = split.train().statistics();
    Augmentation aug = Datasets.augmentation(datasets.dataset);
    TrainingSettings settings = TrainingSettings.defaults(probeEpochs, batch, threads, seed);
    List<Change> changes = new ArrayList<>();
    for (int s = 0; s < model.stages().size(); s++) {
      changes.add(Change.se(s, seRatio));
    }
    for (int s = 0; s < model.stages().size(); s++) {
      changes.add(Change.hswish(s));
    }
    changes.add(Change.hswishGlobal());
    int probes = changes.size() + 2;
    PostProcessor.Result r;
    try (ProgressBar bar = LatencyCommand.bar("probes", probes)) {
      r = PostProcessor.run(base, changes, cost, budgetMs, new DecisionRule(minGain, pointsPerPercent), a -> {
        FinalTraining.Result t = FinalTraining.run(a, split.train(), split.validation(), norm, aug, settings, p -> {});
        bar.step();
        return new PostProcessor.Probe(t.testTop1(), t.model());
      }, split.validation(), rmSeRelative);
    }
    Files.createDirectories(out);
    ModelJson.write(r.result().spec(), out.resolve("postprocessed_model.json"));
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("arch", arch);
    o.put("hardware", hardware);
    o.put("budget_ms", budgetMs);
    o.put("base_ms", r.baseMs());
    o.put("final_ms", r.finalMs());
    o.put("base_top1", r.baseTop1());
    o.put("rule", r.rule().describe());
    List<Map<String, Object>> ds = new ArrayList<>();
    for (PostProcessor.Decision d : r.decisions()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("change", d.change().label());
      m.put("base_ms", d.cost().baseMs());
      m.put("candidate_ms", d.cost().candidateMs());
      m.put("delta_ms", d.cost().deltaMs());
      m.put("uncertainty_ms", d.cost().uncertaintyMs());
      m.put("cost_method", d.cost().method());
      m.put("latency_percent", d.latencyPercent());
      m.put("top1", d.top1());
      m.put("gain_points", d.gainPoints());
      m.put("kept", d.kept());
      m.put("reason", d.reason());
      ds.add(m);
    }
    o.put("decisions", ds);
    List<Map<String, Object>> se = new ArrayList<>();
    for (PostProcessor.SeRank s : r.seRanking()) {
      se.add(Map.of("block", s.block(), "mean_excitation_std", s.meanStd(), "removed", s.removed()));
    }
    o.put("rmse_ranking", se);
    o.put("block_strings", r.result().blockStrings());
    o.put("files", Map.of("model", out.resolve("postprocessed_model.json").toString()));
    Files.writeString(out.resolve("postprocess.json"), Json.of(o) + "\n", StandardCharsets.UTF_8);
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.of(o));
    } else {
      pw.printf(Locale.ROOT, "base %.4f ms, top-1 %.2f%% (probe); %s%n", r.baseMs(), 100 * r.baseTop1(), r.rule().describe());
      for (PostProcessor.Decision d : r.decisions()) {
        pw.printf(Locale.ROOT, "  %-22s %+8.4f ms (%+.1f%%, %s) top-1 %+.2f points: %s%n", d.change().label(),
            d.cost().deltaMs(), d.latencyPercent(), d.cost().method(), d.gainPoints(), d.reason());
      }
      for (PostProcessor.SeRank s : r.seRanking()) {
        pw.printf(Locale.ROOT, "  rmSE block %d: mean excitation std %.4f%s%n", s.block(), s.meanStd(),
            s.removed() ? " -> SE removed" : "");
      }
      pw.printf(Locale.ROOT, "result %.4f ms (budget %.4f ms) written to %s%n", r.finalMs(), budgetMs,
          out.resolve("postprocessed_model.json"));
    }
    return 0;
  }
}
