package io.s3nas.search;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
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
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The whole single-path search (docs/method.md §6.1, §7): a warm-up of supergraph training with
 * equal-probability indicator dropout and no latency term, then the search phase with the
 * latency-aware loss against the target, then derivation of the architecture from the final hard
 * decisions, with its estimated latency and the supernet's validation accuracy under those
 * decisions. Steps follow the seeded batch stream, so a run is reproducible from its seed.
 */
public final class SinglePathSearch {
  /**
   * One logged step; {@code choice} is the outcome each block would derive to after the step (the
   * hard decisions without warm-up dropout), so a report can show the decisions as they evolved;
   * {@code validationTop1} is the supernet's top-1 under those decisions on up to {@value #EVAL_IMAGES}
   * validation images at checkpoints (NaN elsewhere).
   */
  public record Log(long step, SupernetTrainer.Phase phase, double loss, double crossEntropy, double expectedMs,
                    int[] choice, double validationTop1, double thresholdCe, double thresholdLatency) {}

  /** Validation images each curve point is evaluated on. */
  public static final int EVAL_IMAGES = 1000;

  /** Progress callback: step done, total steps, the last step's numbers. */
  /** One step done; {@code checkpointRef}: the checkpoint written after it, null when none was. */
  public record Progress(long step, long total, Log last, String checkpointRef) {}

  /**
   * The name under which the checkpoint at the end of the warm-up is pinned (never pruned): a fork of
   * the search continues from it with another target (docs/design.md, "Forks").
   */
  public static final String WARMUP_END = "warmup-end";

  /** What a search returns. */
  public record Result(Architecture architecture, int[] choice, double estimatedMs, double targetMs,
                       double validationTop1, List<Log> log) {}

  private SinglePathSearch() {}

  public static Result run(SearchSpace space, NetworkLatency latency, Dataset train, Dataset validation,
                           Normalization norm, Augmentation aug, SearchSettings settings, int warmupSteps,
                           int searchSteps, Consumer<Progress> progress) {
    return run(space, latency, train, validation, norm, aug, settings, warmupSteps, searchSteps, null, progress);
  }

  /** A run that writes a checkpoint every {@code ck.everySteps()} steps and at the end, and resumes from the latest. */
  public static Result run(SearchSpace space, NetworkLatency latency, Dataset train, Dataset validation,
                           Normalization norm, Augmentation aug, SearchSettings settings, int warmupSteps,
                           int searchSteps, RunCheckpoints ck, Consumer<Progress> progress) {
    BatchStream stream = new BatchStream(train, settings.batch(), settings.seed(), norm, aug);
    SupernetTrainer trainer = new SupernetTrainer(space, latency, settings, stream.stepsPerEpoch());
    List<Log> log = new ArrayList<>();
    long total = (long) warmupSteps + searchSteps;
    Derivation.Tracker tracker = new Derivation.Tracker(latency, settings.targetMs());
    long start = ck != null ? resume(ck, trainer, log, warmupSteps, tracker) : 0;
    Derivation derivation = null;
    for (long step = start; step < total; step++) {
      SupernetTrainer.Phase phase = step < warmupSteps ? SupernetTrainer.Phase.WARMUP : SupernetTrainer.Phase.SEARCH;
      if (step == warmupSteps) {
        List<Batch> probe = new ArrayList<>();
        for (long q = step; q < step + settings.startProbeBatches(); q++) { // the search's own first batches
          probe.add(stream.batch((int) (q / stream.stepsPerEpoch()), (int) (q % stream.stepsPerEpoch())));
        }
        trainer.startSearch(settings.thresholdStartMargin(), settings.startSpread(),
            settings.startSpread() > 1 ? probe : List.of());
      }
      if (phase == SupernetTrainer.Phase.SEARCH) {
        trainer.setLatencyTarget(targetAt(settings, latency.maxMs(), step - warmupSteps, searchSteps));
      }
      int epoch = (int) (step / stream.stepsPerEpoch());
      Batch b = stream.batch(epoch, (int) (step % stream.stepsPerEpoch()));
      SupernetTrainer.Step s = trainer.train(b.nhwc(), b.labels(), phase);
      boolean eval = validation != null && validation.size() > 0 && ck != null && ck.due(step + 1, total);
      SupernetDecisions.Pass pass = trainer.currentDecisions();
      int[] choice = trainer.decisions().derive(pass);
      if (phase == SupernetTrainer.Phase.SEARCH) {
        tracker.observe(step, choice, pass);
      }
      Log l = new Log(step, phase, s.loss(), s.crossEntropy(), s.expectedLatencyMs(), choice, eval ? accuracy(trainer,
              validation.head(Math.min(EVAL_IMAGES, validation.size())), norm, settings.batch()) : Double.NaN,
          s.thresholdCe(), s.thresholdLatency());
      log.add(l);
      String ref = null;
      boolean warmupEnd = step + 1 == warmupSteps && searchSteps > 0;
      if (ck != null && (ck.due(step + 1, total) || warmupEnd)) {
        // the last checkpoint also records the derivation, so explain shows the norms it read
        if (step + 1 == total) {
          derivation = derive(trainer, log, latency, settings, tracker);
        }
        ref = save(ck, trainer, log, tracker, derivation);
        if (warmupEnd) {
          ck.pin(WARMUP_END, ref);
        }
      }
      if (step == start && start > 0) {
        ck.firstStepAfterResume(step + 1);
      }
      progress.accept(new Progress(step + 1, total, l, ref));
    }
    int[] choice = (derivation != null ? derivation : derive(trainer, log, latency, settings, tracker)).derived();
    Architecture arch = space.architecture(choice);
    double top1 = validation == null || validation.size() == 0 ? Double.NaN : accuracy(trainer, validation, norm, settings.batch());
    return new Result(arch, choice, latency.estimate(choice), settings.targetMs(), top1, log);
  }

  /**
   * The latency target of search step {@code s} of {@code searchSteps} (docs/method.md §5.2): with
   * an annealed target it descends linearly from the supernet's slowest architecture
   * ({@code startMs}) to the search target over the first {@code targetAnneal} share of the phase,
   * then stays there. Starting every decision in play against the final target puts the whole
   * latency excess into the first steps: the latency term's gradient, some 35x the accuracy term's,
   * then turns off most decisions within a dozen steps, in an order that depends on latency alone,
   * and overshoots below the target (measured: 0.89 ms for a 1.29 ms target after 15 steps; the
   * accuracy term only adds a few back). A descending target lets each step's excess be small, so
   * the steps below the moving target, where only accuracy acts, keep deciding which group goes next.
   * A function of the step alone, so a resumed search follows the same schedule.
   */
  public static double targetAt(SearchSettings settings, double startMs, long s, int searchSteps) {
    double target = settings.targetMs();
    long anneal = Math.round(settings.targetAnneal() * searchSteps);
    if (anneal <= 0 || s >= anneal || startMs <= target) {
      return target;
    }
    return target + (startMs - target) * (1 - (s + 1.0) / anneal);
  }

  /** How far below the target a derived network may land and still count as on it. */
  static final double TARGET_TOLERANCE = 0.02;

  /**
   * The architecture the search derives after its last step, and how (docs/method.md §5.2): the last
   * step's decisions, or with {@code derive-within-target} the step {@link #withinTarget} picks, then
   * the slack below the target {@link #fill filled}.
   */
  static Derivation derive(SupernetTrainer trainer, List<Log> log, NetworkLatency latency, SearchSettings settings,
                           Derivation.Tracker tracker) {
    SupernetDecisions.Pass finalPass = trainer.currentDecisions();
    int[] last = trainer.decisions().derive(finalPass);
    long lastStep = trainer.stepsDone() - 1;
    Pick pick = settings.deriveWithinTarget() ? withinTarget(log, latency, settings.targetMs(), last, lastStep)
        : new Pick(lastStep, Derivation.LAST, last);
    int[] derived = settings.deriveWithinTarget() ? fill(pick.choice(), trainer.softOutcomeProbabilities(), latency,
        settings.targetMs()) : pick.choice();
    Derivation.Snapshot atEnd = Derivation.flatten(lastStep, finalPass);
    Derivation.Snapshot s = pick.step() == lastStep ? atEnd : tracker.at(pick.step()).orElse(null);
    double[] nan = new double[atEnd.norms().length]; // that step's norms were not kept (see Derivation)
    java.util.Arrays.fill(nan, Double.NaN);
    return new Derivation(pick.step() + 1, pick.rule(), s != null ? s.norms() : nan, s != null ? s.margins() : nan,
        pick.choice(), derived);
  }

  /** The step (from 0) whose decisions a derivation reads, why, and the decisions. */
  record Pick(long step, String rule, int[] choice) {}

  /**
   * The decisions to derive when the search should hand back a network that meets its target: the
   * last step's when they are within [1 − {@value #TARGET_TOLERANCE}, 1] × the target; else the
   * latest search step's that are; else the latest within the target; else the last step's. A search
   * near its target flips a few decisions back and forth across it from step to step; the last one
   * on the target side is as late a view of the accuracy terms as exists.
   */
  static Pick withinTarget(List<Log> log, NetworkLatency latency, double target, int[] last, long lastStep) {
    double lastMs = latency.estimate(last);
    if (lastMs <= target && lastMs >= (1 - TARGET_TOLERANCE) * target) {
      return new Pick(lastStep, Derivation.LAST, last);
    }
    Pick below = lastMs <= target ? new Pick(lastStep, Derivation.BELOW, last) : null;
    for (int i = log.size() - 1; i >= 0 && log.get(i).phase() == SupernetTrainer.Phase.SEARCH; i--) {
      int[] c = log.get(i).choice();
      if (c.length == 0 || c[0] < 0) {
        break; // steps logged before choices were: nothing further back to read
      }
      double ms = latency.estimate(c);
      if (ms <= target && ms >= (1 - TARGET_TOLERANCE) * target) {
        return new Pick(log.get(i).step(), Derivation.IN_BAND, c);
      }
      if (ms <= target && below == null) {
        below = new Pick(log.get(i).step(), Derivation.BELOW, c);
      }
    }
    return below != null ? below : new Pick(lastStep, Derivation.NONE_WITHIN, last);
  }

  /**
   * Fills the slack a derived network leaves below its target: one block at a time, the larger
   * outcome the final thresholds make likeliest relative to the block's current one (soft
   * indicators), as long as the network stays within the target. A search near its target flips
   * decisions in steps of 5–10% of the latency, so the step it is read at may sit well below the
   * target; the slack goes to the decisions the search itself was closest to turning on.
   */
  static int[] fill(int[] choice, double[][] soft, NetworkLatency latency, double target) {
    int[] c = choice.clone();
    while (true) {
      double now = latency.estimate(c);
      int bestB = -1;
      int bestO = -1;
      double bestRatio = 0;
      for (int b = 0; b < c.length; b++) {
        double cur = Math.max(soft[b][c[b]], 1e-12);
        for (int o = 0; o < soft[b].length; o++) {
          double delta = latency.outcomeMs(b, o) - latency.outcomeMs(b, c[b]);
          if (delta > 0 && now + delta <= target && soft[b][o] / cur > bestRatio) {
            bestRatio = soft[b][o] / cur;
            bestB = b;
            bestO = o;
          }
        }
      }
      if (bestB < 0) {
        return c;
      }
      c[bestB] = bestO;
    }
  }

  private static String save(RunCheckpoints ck, SupernetTrainer trainer, List<Log> log, Derivation.Tracker tracker,
                             Derivation derivation) {
    Map<String, double[]> cols = new LinkedHashMap<>();
    tracker.save(cols);
    if (derivation != null) {
      derivation.save(cols);
    }
    cols.put("loss", log.stream().mapToDouble(Log::loss).toArray());
    cols.put("ce", log.stream().mapToDouble(Log::crossEntropy).toArray());
    cols.put("ms", log.stream().mapToDouble(Log::expectedMs).toArray());
    cols.put("phase", log.stream().mapToDouble(l -> l.phase().ordinal()).toArray());
    cols.put("val_top1", log.stream().mapToDouble(Log::validationTop1).toArray());
    cols.put("g_ce", log.stream().mapToDouble(Log::thresholdCe).toArray());
    cols.put("g_latency", log.stream().mapToDouble(Log::thresholdLatency).toArray());
    int blocks = log.isEmpty() ? 0 : log.get(0).choice().length;
    for (int b = 0; b < blocks; b++) {
      int block = b;
      cols.put(choiceColumn(b), log.stream().mapToDouble(l -> l.choice()[block]).toArray());
    }
    return ck.save(trainer.state(), cols);
  }

  /** Restores the latest checkpoint of the run, if any, and returns the step to continue from. */
  private static long resume(RunCheckpoints ck, SupernetTrainer trainer, List<Log> log, int warmupSteps,
                             Derivation.Tracker tracker) {
    Optional<TensorArchive> latest = ck.latest();
    if (latest.isEmpty()) {
      return 0;
    }
    TensorArchive a = latest.get();
    trainer.restore(a);
    tracker.restore(a);
    double[] loss = RunCheckpoints.column(a, "loss");
    double[] ce = RunCheckpoints.column(a, "ce");
    double[] ms = RunCheckpoints.column(a, "ms");
    double[] val = RunCheckpoints.column(a, "val_top1", loss.length, Double.NaN);
    double[] gce = RunCheckpoints.column(a, "g_ce", loss.length, Double.NaN);
    double[] glat = RunCheckpoints.column(a, "g_latency", loss.length, Double.NaN);
    int blocks = trainer.decisions().space().blocks().size();
    double[][] choices = new double[blocks][];
    for (int b = 0; b < blocks; b++) {
      choices[b] = RunCheckpoints.column(a, choiceColumn(b), loss.length, -1); // -1: not logged then
    }
    for (int i = 0; i < loss.length; i++) {
      int[] choice = new int[blocks];
      for (int b = 0; b < blocks; b++) {
        choice[b] = (int) choices[b][i];
      }
      log.add(new Log(i, i < warmupSteps ? SupernetTrainer.Phase.WARMUP : SupernetTrainer.Phase.SEARCH, loss[i], ce[i],
          ms[i], choice, val[i], gce[i], glat[i]));
    }
    return trainer.stepsDone();
  }

  /** The checkpoint log column of block {@code b}'s per-step outcome index. */
  public static String choiceColumn(int b) {
    return "choice." + b;
  }

  /** Top-1 of the supernet under its current hard decisions, running BN statistics, no dropout. */
  static double accuracy(SupernetTrainer trainer, Dataset data, Normalization norm, int batch) {
    BatchStream s = new BatchStream(data, Math.min(batch, data.size()), 0, norm, Augmentation.NONE);
    int correct = 0;
    SupernetTrainer.Evaluation eval = trainer.evaluation();
    for (int k = 0; k < s.sequentialBatches(); k++) {
      Batch b = s.sequential(k);
      float[] logits = eval.logits(b.nhwc(), b.size());
      correct += Predictions.correct(logits, b.labels());
    }
    return (double) correct / data.size();
  }
}
