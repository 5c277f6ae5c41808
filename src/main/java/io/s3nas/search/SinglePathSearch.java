package io.s3nas.search;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Batch;
import io.s3nas.data.BatchStream;
import io.s3nas.data.Dataset;
import io.s3nas.data.Normalization;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.space.Architecture;
import io.s3nas.space.SearchSpace;
import io.s3nas.train.Predictions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The whole single-path search (method.md §6.1, §7): a warm-up of supergraph training with
 * equal-probability indicator dropout and no latency term, then the search phase with the
 * latency-aware loss against the target, then derivation of the architecture from the final hard
 * decisions, with its estimated latency and the supernet's validation accuracy under those
 * decisions. Steps follow the seeded batch stream, so a run is reproducible from its seed.
 */
public final class SinglePathSearch {
  /** One logged step. */
  public record Log(long step, SupernetTrainer.Phase phase, double loss, double crossEntropy, double expectedMs) {}

  /** Progress callback: step done, total steps, the last step's numbers. */
  public record Progress(long step, long total, Log last) {}

  /** What a search returns. */
  public record Result(Architecture architecture, int[] choice, double estimatedMs, double targetMs,
                       double validationTop1, List<Log> log) {}

  /**
   * Where and how often a run checkpoints, and what identifies it: a resume only continues a
   * checkpoint whose identity (supernet, settings, data, steps, platform) equals this run's.
   */
  public record Checkpoints(CheckpointStore store, String run, int everySteps, ObjectNode identity, boolean resume) {
    public Checkpoints {
      if (everySteps < 1) {
        throw new IllegalArgumentException("checkpoint interval must be >= 1 step");
      }
    }
  }

  private SinglePathSearch() {}

  public static Result run(SearchSpace space, NetworkLatency latency, Dataset train, Dataset validation,
                           Normalization norm, Augmentation aug, SearchSettings settings, int warmupSteps,
                           int searchSteps, Consumer<Progress> progress) {
    return run(space, latency, train, validation, norm, aug, settings, warmupSteps, searchSteps, null, progress);
  }

  /** A run that writes a checkpoint every {@code ck.everySteps()} steps and at the end, and resumes from the latest. */
  public static Result run(SearchSpace space, NetworkLatency latency, Dataset train, Dataset validation,
                           Normalization norm, Augmentation aug, SearchSettings settings, int warmupSteps,
                           int searchSteps, Checkpoints ck, Consumer<Progress> progress) {
    BatchStream stream = new BatchStream(train, settings.batch(), settings.seed(), norm, aug);
    SupernetTrainer trainer = new SupernetTrainer(space, latency, settings, stream.stepsPerEpoch());
    List<Log> log = new ArrayList<>();
    long total = (long) warmupSteps + searchSteps;
    long start = ck != null && ck.resume() ? resume(ck, trainer, log, warmupSteps) : 0;
    for (long step = start; step < total; step++) {
      SupernetTrainer.Phase phase = step < warmupSteps ? SupernetTrainer.Phase.WARMUP : SupernetTrainer.Phase.SEARCH;
      int epoch = (int) (step / stream.stepsPerEpoch());
      Batch b = stream.batch(epoch, (int) (step % stream.stepsPerEpoch()));
      SupernetTrainer.Step s = trainer.train(b.nhwc(), b.labels(), phase);
      Log l = new Log(step, phase, s.loss(), s.crossEntropy(), s.expectedLatencyMs());
      log.add(l);
      if (ck != null && ((step + 1) % ck.everySteps() == 0 || step + 1 == total)) {
        save(ck, trainer, log);
      }
      progress.accept(new Progress(step + 1, total, l));
    }
    SupernetDecisions.Pass finalPass = trainer.currentDecisions();
    int[] choice = trainer.decisions().derive(finalPass);
    Architecture arch = space.architecture(choice);
    double top1 = validation == null || validation.size() == 0 ? Double.NaN : accuracy(trainer, validation, norm, settings.batch());
    return new Result(arch, choice, latency.estimate(choice), settings.targetMs(), top1, log);
  }

  private static void save(Checkpoints ck, SupernetTrainer trainer, List<Log> log) {
    TensorArchive a = trainer.state();
    a.meta().set("identity", ck.identity());
    Map<String, double[]> d = new LinkedHashMap<>(a.doubles());
    d.put("log:loss", log.stream().mapToDouble(Log::loss).toArray());
    d.put("log:ce", log.stream().mapToDouble(Log::crossEntropy).toArray());
    d.put("log:ms", log.stream().mapToDouble(Log::expectedMs).toArray());
    TensorArchive withLog = new TensorArchive(a.meta(), a.floats(), d);
    ck.store().pointTo(ck.run(), ck.store().put(withLog.toBytes()));
  }

  /** Restores the latest checkpoint of the run, if any, and returns the step to continue from. */
  private static long resume(Checkpoints ck, SupernetTrainer trainer, List<Log> log, int warmupSteps) {
    var ref = ck.store().latest(ck.run());
    if (ref.isEmpty()) {
      return 0;
    }
    TensorArchive a = TensorArchive.fromBytes(ck.store().get(ref.get()), ck.store().dir().resolve(ref.get()).toString());
    // compared as JSON text: a stored long 1 reads back as an int node, equal in text only
    if (!ck.identity().toString().equals(a.meta().path("identity").toString())) {
      throw new InvalidInputException(ck.store().dir().resolve(ck.run() + ".latest").toString(), "identity",
          "a checkpoint of this run; it was written with other settings (" + a.meta().path("identity")
              + "); use another checkpoint folder or run name");
    }
    trainer.restore(a);
    double[] loss = a.doubles("log:loss");
    double[] ce = a.doubles("log:ce");
    double[] ms = a.doubles("log:ms");
    for (int i = 0; i < loss.length; i++) {
      log.add(new Log(i, i < warmupSteps ? SupernetTrainer.Phase.WARMUP : SupernetTrainer.Phase.SEARCH, loss[i], ce[i],
          ms[i]));
    }
    return trainer.stepsDone();
  }

  /** Top-1 of the supernet under its current hard decisions, running BN statistics, no dropout. */
  static double accuracy(SupernetTrainer trainer, Dataset data, Normalization norm, int batch) {
    BatchStream s = new BatchStream(data, Math.min(batch, data.size()), 0, norm, Augmentation.NONE);
    int correct = 0;
    for (int k = 0; k < s.sequentialBatches(); k++) {
      Batch b = s.sequential(k);
      float[] logits = trainer.infer(b.nhwc(), b.size());
      correct += Predictions.correct(logits, b.labels());
    }
    return (double) correct / data.size();
  }
}
