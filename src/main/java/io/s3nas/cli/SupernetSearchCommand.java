package io.s3nas.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Dataset;
import io.s3nas.data.Datasets;
import io.s3nas.data.Normalization;
import io.s3nas.data.Splits;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.search.SearchSettings;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

/**
 * {@code s3nas supernet-search}: the engine run of the single-path search (no actors): warm-up,
 * search against the target on the chosen platform's latency, derivation.
 */
@Command(name = "supernet-search", mixinStandardHelpOptions = true,
    description = "Run the single-path search on a supernet and derive the architecture (engine run, no journal).")
public final class SupernetSearchCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--supernet", required = true, paramLabel = "FILE") String supernet;
  @Mixin DatasetOptions datasets;
  @Option(names = "--hardware", required = true) String hardware;
  @Option(names = "--target-ms", required = true, description = "Search target latency T in ms") double targetMs;
  @Option(names = "--warmup-epochs", defaultValue = "8",
      description = "Supergraph warm-up epochs (paper: 8)")
  double warmupEpochs;
  @Option(names = "--search-epochs", defaultValue = "2", description = "Search epochs (paper: 2)") double searchEpochs;
  @Option(names = "--train-limit", defaultValue = "0",
      description = "Use only the first N training images (0 = all)")
  int trainLimit;
  @Option(names = "--validation", defaultValue = "0.1",
      description = "Share of the training set held out (default ${DEFAULT-VALUE})")
  double validationShare;
  @Option(names = "--batch", defaultValue = "128") int batch;
  @Option(names = "--threads", defaultValue = "2") int threads;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--lr", description = "Learning rate (default 0.016 x batch / 256)") Double lr;
  @Option(names = "--threshold-lr-scale", defaultValue = "1",
      description = "Thresholds' learning rate relative to the weights' (paper: 1)")
  double thresholdLr;
  @Option(names = "--latency-lambda", defaultValue = "150",
      description = "λ of the latency term (default ${DEFAULT-VALUE}; the paper 15, docs/method.md §5.2)")
  double latencyLambda;
  @Option(names = "--latency-multiplier", defaultValue = "10",
      description = "m of the latency term (default ${DEFAULT-VALUE})")
  double latencyMultiplier;
  @Option(names = "--start-margin", defaultValue = "1",
      description = "At the first search step every threshold starts this far below its norm (0: where the warm-up "
          + "left it, the paper's; default ${DEFAULT-VALUE})")
  double startMargin;
  @Option(names = "--start-spread", defaultValue = "1",
      description = "Search start: thresholds spread by each decision's accuracy per ms, the least valuable this "
          + "many times closer to its norm than --start-margin, the most valuable as many times farther "
          + "(default ${DEFAULT-VALUE}: all at --start-margin)")
  double startSpread;
  @Option(names = "--target-anneal", defaultValue = "0",
      description = "Share of the search phase over which the latency target descends from the supernet's slowest "
          + "architecture to --target-ms (default ${DEFAULT-VALUE}: the target from the first search step)")
  double targetAnneal;
  @Option(names = "--shared-threshold-scale",
      description = "Divide every threshold's step by one mean square shared by all thresholds, so steps keep the "
          + "gradients' relative sizes (default: each threshold's own, the paper's RMSProp)")
  boolean sharedThresholdScale;
  @Option(names = "--latency-only-thresholds",
      description = "Ablation: the thresholds follow the latency term alone, the cross-entropy's part of their "
          + "gradient removed (decisions that come out the same show that accuracy moved no threshold)")
  boolean latencyOnlyThresholds;
  @Option(names = "--derive-last",
      description = "Derive from the last step even above the target (the paper's); default: the last step within it")
  boolean deriveLast;
  @Option(names = "--trace", paramLabel = "CSV",
      description = "Also write every step: phase, loss, cross-entropy, expected ms, the thresholds' gradient parts, "
          + "each block's outcome")
  Path trace;
  @Option(names = "--out", defaultValue = "runs/supernet-search", paramLabel = "DIR") Path out;
  @Option(names = "--checkpoint-every", defaultValue = "100",
      description = "Steps between checkpoints (default ${DEFAULT-VALUE}); they go to <out>/checkpoints")
  int checkpointEvery;
  @Option(names = "--resume",
      description = "Continue from the latest checkpoint in <out>/checkpoints (same settings required)")
  boolean resume;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    if (!(targetMs > 0) || batch < 1 || threads < 1 || warmupEpochs < 0 || searchEpochs < 0 || trainLimit < 0
        || !(thresholdLr > 0) || (lr != null && !(lr > 0)) || checkpointEvery < 1
        || !(validationShare > 0 && validationShare < 1) || !(startMargin >= 0) || !(latencyLambda >= 0)
        || !(latencyMultiplier > 0) || !(targetAnneal >= 0 && targetAnneal <= 1) || !(startSpread >= 1)) {
      throw new InvalidInputException("options", null, "expected --target-ms > 0, --batch >= 1, --threads >= 1, "
          + "epochs >= 0, --train-limit >= 0, --lr > 0, --threshold-lr-scale > 0, --checkpoint-every >= 1, "
          + "0 <= --target-anneal <= 1, --start-spread >= 1 and 0 < --validation < 1");
    }
    ModelSpec model = common.model(supernet, "--supernet");
    SearchSpace space = SearchSpace.of(model);
    LatencyModel platform = common.hardware().model(hardware);
    Dataset all = datasets.load(model, supernet, seed).train();
    if (trainLimit > 0) {
      all = all.head(trainLimit);
    }
    Splits.TrainValidation split = Splits.holdOut(all, validationShare, seed);
    if (split.train().size() < batch) {
      throw new InvalidInputException("--batch", null, "the training part has " + split.train().size()
          + " images, fewer than one batch of " + batch);
    }
    NetworkLatency latency = NetworkLatency.of(space, platform);
    if (targetMs < latency.minMs()) {
      throw new InvalidInputException("--target-ms", null, String.format("impossible target %.4f ms: the fastest "
          + "architecture of %s on %s is %.4f ms", targetMs, supernet, hardware, latency.minMs()));
    }
    int stepsPerEpoch = split.train().size() / batch;
    int warmupSteps = (int) Math.round(warmupEpochs * stepsPerEpoch);
    int searchSteps = (int) Math.round(searchEpochs * stepsPerEpoch);
    SearchSettings defaults = SearchSettings.defaults(batch, targetMs, threads, seed);
    SearchSettings settings = (lr == null ? defaults : defaults.withLearningRate(lr)).withThresholdLrScale(thresholdLr)
        .withSearchStart(startMargin, !deriveLast).withLatencyLoss(latencyLambda, latencyMultiplier)
        .withTargetAnneal(targetAnneal).withStartSpread(startSpread)
        .withSharedThresholdScale(sharedThresholdScale).withLatencyOnlyThresholds(latencyOnlyThresholds);
    Normalization norm = split.train().statistics();
    Augmentation aug = Datasets.augmentation(datasets.dataset);
    ObjectNode identity = new ObjectMapper().createObjectNode();
    identity.put("supernet", CheckpointStore.sha256(ModelJson.format(model).getBytes(StandardCharsets.UTF_8)));
    identity.put("hardware", hardware);
    identity.put("dataset", datasets.dataset);
    identity.put("train_images", split.train().size());
    identity.put("warmup_steps", warmupSteps);
    identity.put("search_steps", searchSteps);
    identity.set("settings", new ObjectMapper().valueToTree(settings));
    RunCheckpoints ck = new RunCheckpoints(new CheckpointStore(out.resolve("checkpoints")),
        "supernet-search", checkpointEvery, identity, resume);
    SinglePathSearch.Result r;
    try (ProgressBar bar = LatencyCommand.bar("search", Math.max(1, warmupSteps + searchSteps))) {
      r = SinglePathSearch.run(space, latency, split.train(), split.validation(), norm, aug, settings, warmupSteps,
          searchSteps, ck, p -> {
            bar.stepTo(p.step());
            bar.setExtraMessage(String.format(" %s lat %.3f ms loss %.3f", p.last().phase().name().toLowerCase(),
                p.last().expectedMs(), p.last().loss()));
          });
    }
    Files.createDirectories(out);
    ModelJson.write(r.architecture().spec(), out.resolve("derived_model.json"));
    if (trace != null) {
      StringBuilder t = new StringBuilder("step,phase,loss,ce,expected_ms,g_ce,g_latency,choice\n");
      for (SinglePathSearch.Log l : r.log()) {
        t.append(String.format(java.util.Locale.ROOT, "%d,%s,%.5f,%.5f,%.5f,%.4g,%.4g,%s%n", l.step(),
            l.phase().name().toLowerCase(java.util.Locale.ROOT), l.loss(), l.crossEntropy(), l.expectedMs(),
            l.thresholdCe(), l.thresholdLatency(), java.util.Arrays.stream(l.choice()).mapToObj(String::valueOf)
                .collect(java.util.stream.Collectors.joining(" "))));
      }
      Files.writeString(trace, t.toString(), StandardCharsets.UTF_8);
    }
    StringBuilder bs = new StringBuilder();
    for (List<String> stage : r.architecture().blockStrings()) {
      bs.append(String.join(" ", stage)).append('\n');
    }
    Files.writeString(out.resolve("block_strings.txt"), bs.toString(), StandardCharsets.UTF_8);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("supernet", supernet);
    o.put("hardware", hardware);
    o.put("target_ms", targetMs);
    o.put("estimated_latency_ms", r.estimatedMs());
    o.put("supernet_validation_top1", r.validationTop1());
    o.put("warmup_steps", warmupSteps);
    o.put("search_steps", searchSteps);
    o.put("block_strings", r.architecture().blockStrings());
    o.put("params", r.architecture().cost().params());
    o.put("macs", r.architecture().cost().macs());
    o.put("files", Map.of("model", out.resolve("derived_model.json").toString(), "block_strings",
        out.resolve("block_strings.txt").toString()));
    Files.writeString(out.resolve("search.json"), Json.of(o) + "\n", StandardCharsets.UTF_8);
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.of(o));
    } else {
      pw.printf("derived architecture: %d blocks, %.4f ms estimated on %s (target %.4f ms), %,d params%n",
          r.architecture().blocks().size(), r.estimatedMs(), hardware, targetMs, r.architecture().cost().params());
      pw.print(bs);
      pw.printf("supernet top-1 on the held-out part under the final decisions: %.2f%%%n", 100 * r.validationTop1());
      pw.println("written: " + out.resolve("derived_model.json") + ", " + out.resolve("block_strings.txt") + ", "
          + out.resolve("search.json"));
    }
    return 0;
  }
}
