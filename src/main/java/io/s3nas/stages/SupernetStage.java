package io.s3nas.stages;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Dataset;
import io.s3nas.data.Splits;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.search.SearchSettings;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The supernet stage (docs/method.md §2–§7) as one service for {@code s3nas supernet-search} and the
 * search pipeline: a seeded, stratified share of the training images held out for the supernet's
 * validation curve, the warm-up and search phases on the rest, derivation; writes
 * {@code derived_model.json}.
 */
public final class SupernetStage {
  /**
   * @param train the training images (the validation share is held out of them here)
   * @param warmupEpochs epochs of warm-up; {@code searchEpochs} of search ({@link PhaseLength#AUTO}: from the data)
   */
  public record Request(SearchSpace space, Dataset train, double validationShare, Augmentation aug,
                        SearchSettings settings, double warmupEpochs, double searchEpochs) {}

  private SupernetStage() {}

  /** The search settings of a pipeline's settings: the paper's, with what a config changes. */
  public static SearchSettings settings(PipelineSettings p, int batch, double targetMs, long seed) {
    SearchSettings s = SearchSettings.defaults(batch, targetMs, p.threads(), seed)
        .withThresholdLrScale(p.thresholdLrScale()).withLatencyLoss(p.latencyLambda(), p.latencyMultiplier())
        .withSearchStart(p.searchStartMargin(), p.deriveWithinTarget());
    return p.searchLearningRate() > 0 ? s.withLearningRate(p.searchLearningRate()) : s;
  }

  public static SinglePathSearch.Result run(Request r, NetworkLatency latency, RunCheckpoints ck,
                                            Consumer<SinglePathSearch.Progress> progress) {
    Splits.TrainValidation split = r.validationShare() > 0 ? Splits.holdOut(r.train(), r.validationShare(),
        r.settings().seed()) : new Splits.TrainValidation(r.train(), null);
    int perEpoch = split.train().size() / r.settings().batch();
    if (perEpoch < 1) {
      throw new InvalidInputException("batch", null, String.format("a batch no larger than the %d training images "
          + "the supernet trains on", split.train().size()));
    }
    int n = split.train().size();
    int batch = r.settings().batch();
    int warmup = (int) Math.round(PhaseLength.warmupEpochs(r.warmupEpochs(), n, batch) * perEpoch);
    int search = (int) Math.round(PhaseLength.searchEpochs(r.searchEpochs(), n, batch) * perEpoch);
    return SinglePathSearch.run(r.space(), latency, split.train(), split.validation(), split.train().statistics(),
        r.aug(), r.settings(), warmup, search, ck, progress);
  }

  /** Writes the derived architecture. */
  public static void write(SinglePathSearch.Result r, Path dir) {
    ModelJson.write(r.architecture().spec(), dir.resolve("derived_model.json"));
  }
}
