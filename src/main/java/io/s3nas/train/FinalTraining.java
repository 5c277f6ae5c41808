package io.s3nas.train;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Batch;
import io.s3nas.data.BatchStream;
import io.s3nas.data.Dataset;
import io.s3nas.data.Normalization;
import io.s3nas.space.Architecture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Final training of an architecture (docs/method.md §6.3) on a dataset, then top-1 of the averaged
 * (EMA) network on the test split. Steps follow the seeded batch stream, so a run is reproducible
 * from its seed.
 */
public final class FinalTraining {
  /** One logged step. */
  /** One step; {@code evalTop1} is the EMA network's top-1 on up to {@value #EVAL_IMAGES} held-out images where evaluated (NaN elsewhere). */
  public record Log(long step, double loss, double crossEntropy, double learningRate, double evalTop1) {}

  /** Held-out images each curve point is evaluated on (enough for a curve, cheap enough for every checkpoint). */
  public static final int EVAL_IMAGES = 1000;

  /** Progress callback: steps done, total steps, the last step. */
  public record Progress(long step, long total, Log last) {}

  /** What a training run returns. */
  public record Result(TrainedModel model, double testTop1, long steps, List<Log> log, FinalTrainer trainer) {}

  private FinalTraining() {}

  public static Result run(Architecture arch, Dataset train, Dataset test, Normalization norm, Augmentation aug,
                           TrainingSettings settings, Consumer<Progress> progress) {
    return run(arch, train, test, norm, aug, settings, null, progress);
  }

  public static Result run(Architecture arch, Dataset train, Dataset test, Normalization norm, Augmentation aug,
                           TrainingSettings settings, RunCheckpoints ck, Consumer<Progress> progress) {
    return run(arch, train, test, norm, aug, settings, ck, progress, null, Long.MAX_VALUE);
  }

  /** The steps of the whole schedule of {@code settings} on {@code train}. */
  public static long totalSteps(Dataset train, TrainingSettings settings) {
    int perEpoch = train.size() / settings.batch(); // BatchStream.stepsPerEpoch
    return Math.max(1, Math.round(settings.epochs() * perEpoch));
  }

  /**
   * A run that may start from another run's state and stop before its schedule ends.
   *
   * @param warmStart a {@link FinalTrainer#state()} (with its log columns) to start from when the
   *     run has no checkpoint of its own: the schedule continues at its step (null: step 0)
   * @param stopAt the step to stop at (the schedule, learning rate included, is still the one of
   *     {@code settings.epochs()}); the test split is evaluated only when the schedule ends
   */
  public static Result run(Architecture arch, Dataset train, Dataset test, Normalization norm, Augmentation aug,
                           TrainingSettings settings, RunCheckpoints ck, Consumer<Progress> progress,
                           TensorArchive warmStart, long stopAt) {
    BatchStream stream = new BatchStream(train, settings.batch(), settings.seed(), norm, aug);
    FinalTrainer trainer = new FinalTrainer(arch, settings, stream.stepsPerEpoch());
    long schedule = Math.max(1, Math.round(settings.epochs() * stream.stepsPerEpoch()));
    long total = Math.min(schedule, stopAt);
    List<Log> log = new ArrayList<>();
    long start = ck != null ? resume(ck, trainer, log) : 0;
    boolean resumed = start > 0;
    if (start == 0 && warmStart != null) {
      trainer.warmStart(warmStart);
      start = trainer.stepsDone();
      restoreLog(warmStart, log);
    }
    for (long step = start; step < total; step++) {
      int epoch = (int) (step / stream.stepsPerEpoch());
      Batch b = stream.batch(epoch, (int) (step % stream.stepsPerEpoch()));
      FinalTrainer.Step s = trainer.train(b.nhwc(), b.labels());
      // the curve is drawn at checkpoints; runs without checkpoints (post-processing probes) skip it
      boolean eval = test != null && test.size() > 0 && ck != null && ck.due(step + 1, total);
      Log l = new Log(step, s.loss(), s.crossEntropy(), s.learningRate(),
          eval ? trainer.evaluate(test.head(Math.min(EVAL_IMAGES, test.size())), norm) : Double.NaN);
      log.add(l);
      if (ck != null && ck.due(step + 1, total)) {
        save(ck, trainer, log);
      }
      if (step == start && resumed) {
        ck.firstStepAfterResume(step + 1);
      }
      progress.accept(new Progress(step + 1, total, l));
    }
    if (ck != null && start >= total && total > 0 && ck.latest().isEmpty()) {
      save(ck, trainer, log); // a warm start at or past the stop: its state is this run's checkpoint
    }
    double top1 = test == null || test.size() == 0 || total < schedule ? Double.NaN : trainer.evaluate(test, norm);
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("dataset", train.name());
    info.put("train_images", train.size());
    info.put("epochs", settings.epochs());
    info.put("steps", total);
    info.put("batch", settings.batch());
    info.put("seed", settings.seed());
    info.put("test_top1", top1);
    return new Result(new TrainedModel(arch, trainer.emaTensors(), settings.bnEpsilon(), norm, info), top1, total, log,
        trainer);
  }

  private static void save(RunCheckpoints ck, FinalTrainer trainer, List<Log> log) {
    ck.save(trainer.state(), columns(log));
  }

  private static Map<String, double[]> columns(List<Log> log) {
    Map<String, double[]> cols = new LinkedHashMap<>();
    cols.put("loss", log.stream().mapToDouble(Log::loss).toArray());
    cols.put("ce", log.stream().mapToDouble(Log::crossEntropy).toArray());
    cols.put("lr", log.stream().mapToDouble(Log::learningRate).toArray());
    cols.put("eval_top1", log.stream().mapToDouble(Log::evalTop1).toArray());
    return cols;
  }

  private static long resume(RunCheckpoints ck, FinalTrainer trainer, List<Log> log) {
    Optional<TensorArchive> latest = ck.latest();
    if (latest.isEmpty()) {
      return 0;
    }
    TensorArchive a = latest.get();
    trainer.restore(a);
    restoreLog(a, log);
    return trainer.stepsDone();
  }

  private static void restoreLog(TensorArchive a, List<Log> log) {
    if (!a.doubles().containsKey("log:loss")) {
      return;
    }
    double[] loss = RunCheckpoints.column(a, "loss");
    double[] ce = RunCheckpoints.column(a, "ce");
    double[] lr = RunCheckpoints.column(a, "lr");
    double[] eval = RunCheckpoints.column(a, "eval_top1", loss.length, Double.NaN);
    for (int i = 0; i < loss.length; i++) {
      log.add(new Log(i, loss[i], ce[i], lr[i], eval[i]));
    }
  }

  /** The state a run can be warm-started from: the trainer's state with the log so far. */
  public static TensorArchive state(FinalTrainer trainer, List<Log> log) {
    TensorArchive a = trainer.state();
    columns(log).forEach((k, v) -> a.doubles().put("log:" + k, v));
    return a;
  }
}
