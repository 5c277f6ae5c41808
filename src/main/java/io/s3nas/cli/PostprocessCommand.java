package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Datasets;
import io.s3nas.latency.LatencyModel;
import io.s3nas.postprocess.DecisionRule;
import io.s3nas.postprocess.LatencyCost;
import io.s3nas.postprocess.PostProcessor;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelSpec;
import io.s3nas.stages.FinalData;
import io.s3nas.stages.PipelineSettings;
import io.s3nas.stages.PostprocessChanges;
import io.s3nas.stages.PostprocessStage;
import io.s3nas.train.TrainingSettings;
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
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas postprocess}: SE and h-swish where they surely pay for their latency, then rmSE
 * (docs/method.md §9), decided by {@link PostprocessStage} exactly as a search decides them.
 */
@Command(name = "postprocess", mixinStandardHelpOptions = true,
    description = "Decide SE and h-swish on a network trained part of its schedule: each change against the base on "
        + "the same held-out images, kept when the 95% interval of its gain pays for its latency; then rmSE.")
public final class PostprocessCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin DatasetOptions datasets;
  @Spec CommandSpec spec;

  @Option(names = "--arch", required = true, paramLabel = "FILE") String arch;
  @Option(names = "--hardware", required = true) String hardware;
  @Option(names = "--budget-ms", required = true) double budgetMs;
  @Option(names = "--changes", split = ",", paramLabel = "C,C,...",
      description = "Changes to try: " + PostprocessChanges.FORMS + " (default se-last,hswish)")
  List<String> changes = new ArrayList<>(List.of("se-last", "hswish"));
  @Option(names = "--epochs", defaultValue = "1",
      description = "Epochs of the final training whose schedule the probes follow (default ${DEFAULT-VALUE})")
  double epochs;
  @Option(names = "--base-share", defaultValue = "0.4",
      description = "Share of that schedule the base trains before the changes are tried (default ${DEFAULT-VALUE})")
  double baseShare;
  @Option(names = "--arm-share", defaultValue = "0.1",
      description = "Share each change and the unchanged base then train (default ${DEFAULT-VALUE})")
  double armShare;
  @Option(names = "--probe-images", defaultValue = "5000",
      description = "Training images held out to compare on (default ${DEFAULT-VALUE})")
  int probeImages;
  @Option(names = "--train-limit", defaultValue = "0",
      description = "Training images used (0 = all; default ${DEFAULT-VALUE})")
  int trainLimit;
  @Option(names = "--batch", defaultValue = "128") int batch;
  @Option(names = "--lr", description = "Learning rate of the probe training (default 0.016 x batch / 256, as final "
      + "training's)") Double lr;
  @Option(names = "--dropout", defaultValue = "0.2", description = "Final-layer dropout (default ${DEFAULT-VALUE})")
  double dropout;
  @Option(names = "--drop-connect", defaultValue = "0.2", description = "Drop-connect of the last block (default "
      + "${DEFAULT-VALUE})") double dropConnect;
  @Option(names = "--threads", description = "Compute threads (default: this machine's cores)") Integer threads;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--se-ratio", defaultValue = "0.25") double seRatio;
  @Option(names = "--min-gain", defaultValue = "0.2",
      description = "Least top-1 gain in points the interval's lower end must show (default ${DEFAULT-VALUE})")
  double minGain;
  @Option(names = "--points-per-percent", defaultValue = "0.1",
      description = "Least gain per percent of latency (default ${DEFAULT-VALUE})")
  double pointsPerPercent;
  @Option(names = "--min-top1", defaultValue = "0",
      description = "Held-out top-1 the base must reach to decide anything (0: halfway from chance; "
          + "default ${DEFAULT-VALUE})")
  double minTop1;
  @Option(names = "--margin", defaultValue = "0.03",
      description = "On a measured platform, the share of the budget left free for noise (default ${DEFAULT-VALUE})")
  double margin;
  @Option(names = "--rmse-relative", defaultValue = "0.25",
      description = "rmSE removes SE below this share of the median block's excitation std (default ${DEFAULT-VALUE})")
  double rmSeRelative;
  @Option(names = "--out", defaultValue = "runs/postprocess", paramLabel = "DIR") Path out;
  @picocli.CommandLine.Mixin MeasurementOptions measurement;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    int th = threads != null ? threads : PipelineSettings.machineThreads();
    if (!(budgetMs > 0) || !(epochs > 0) || trainLimit < 0 || batch < 1 || th < 1 || !(seRatio > 0 && seRatio <= 1)
        || !(baseShare > 0 && baseShare < 1) || !(armShare > 0 && armShare < 1) || probeImages < 10 || minGain < 0
        || pointsPerPercent < 0 || rmSeRelative < 0 || !(minTop1 >= 0 && minTop1 <= 1) || !(margin >= 0 && margin < 0.5) || (lr != null && !(lr > 0))
        || !(dropout >= 0 && dropout < 1) || !(dropConnect >= 0 && dropConnect < 1)) {
      throw new InvalidInputException("options", null, "--budget-ms > 0, --epochs > 0, --train-limit >= 0, "
          + "--batch >= 1, --threads >= 1, 0 < --se-ratio <= 1, 0 < --base-share, --arm-share < 1, --probe-images >= 10, "
          + "0 <= --min-top1 <= 1, 0 <= --margin < 0.5, --lr > 0, 0 <= --dropout, --drop-connect < 1, non-negative "
          + "rule settings");
    }
    io.s3nas.latency.MeasurementPolicy policy = measurement.policy();
    for (String c : changes) {
      if (!PostprocessChanges.valid(c)) {
        throw new InvalidInputException("--changes", null, PostprocessChanges.FORMS + ", got '" + c + "'");
      }
    }
    ModelSpec model = common.model(arch, "--arch");
    Architecture base = Architecture.of(model, arch);
    try {
      PostprocessChanges.of(changes, base, seRatio);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--changes", null, e.getMessage());
    }
    LatencyModel platform = common.hardware().model(hardware);
    double baseMs = new LatencyCost(platform).estimateMs(base);
    if (baseMs > budgetMs) {
      throw new InvalidInputException("--budget-ms", null, String.format(Locale.ROOT, "at least the architecture's own "
          + "%.4f ms on %s, got %.4f ms", baseMs, hardware, budgetMs));
    }
    FinalData d = FinalData.of(datasets.load(model, arch, seed), trainLimit, probeImages, seed);
    // the recipe final training uses, as a search builds it (FinalTrainingStage.settings)
    TrainingSettings settings = TrainingSettings.defaults(epochs, batch, th, seed).withRegularization(dropout,
        dropConnect);
    if (lr != null) {
      settings = settings.withLearningRate(lr);
    }
    PostprocessStage.Result r;
    try (ProgressBar bar = LatencyCommand.bar("probes", 1)) {
      r = PostprocessStage.run(new PostprocessStage.Request(base, changes, seRatio, budgetMs, margin,
          new DecisionRule(minGain, pointsPerPercent), minTop1, rmSeRelative, d.train(), d.probe(), d.norm(),
          Datasets.augmentation(datasets.dataset), settings, baseShare, armShare, policy), platform, null, p -> {
            bar.maxHint(p.total());
            bar.stepTo(p.step());
          });
    }
    Files.createDirectories(out);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("arch", arch);
    o.putAll(PostprocessStage.write(r, hardware, out));
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.of(o));
    } else {
      PostProcessor.Result x = r.decisions();
      pw.printf(Locale.ROOT, "base trained %d steps, then %d per arm; base top-1 %.2f%% on %d held-out images (floor "
          + "%.1f%%); %s%n", r.baseSteps(), r.armSteps(), 100 * x.baseTop1(), d.probe().size(), 100 * x.minTop1(),
          x.rule().describe());
      for (PostProcessor.Decision dd : x.decisions()) {
        pw.printf(Locale.ROOT, "  %-22s %+8.4f ms (%+.1f%%, %s): %s%n", dd.change().label(), dd.cost().deltaMs(),
            dd.latencyPercent(), dd.cost().method(), dd.reason());
      }
      for (PostProcessor.SeRank sr : x.seRanking()) {
        pw.printf(Locale.ROOT, "  rmSE block %d: mean excitation std %.4f%s%n", sr.block(), sr.meanStd(),
            sr.removed() ? " -> SE removed" : "");
      }
      pw.printf(Locale.ROOT, "result %.4f ms (budget %.4f ms) written to %s%n", x.finalCost().candidateMs(), budgetMs,
          out.resolve("postprocessed_model.json"));
    }
    return 0;
  }
}
