package io.s3nas.stages;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.AtomicFiles;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Dataset;
import io.s3nas.data.Normalization;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyUncertainty;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.MeasurementGate;
import io.s3nas.latency.MeasurementPolicy;
import io.s3nas.postprocess.Change;
import io.s3nas.postprocess.DecisionRule;
import io.s3nas.postprocess.LatencyCost;
import io.s3nas.postprocess.PairedGain;
import io.s3nas.postprocess.PostProcessor;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.train.FinalTraining;
import io.s3nas.train.TrainingSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Post-processing (docs/method.md §9) decided on a network that has learned, as one service for
 * {@code s3nas postprocess} and the search pipeline.
 *
 * <p>The base network trains the first {@code baseShare} of the final training's schedule (the
 * same recipe, data and seed; checkpointed, so a restart continues). From that state the unchanged
 * base and each changed network (SE added, h-swish swapped in) train {@code armShare} more of the
 * schedule on the same batches, and are compared on the same held-out images, paired
 * ({@link PairedGain}); the {@link PostProcessor} keeps a change only when its interval clears the
 * rule. The base's state is what final training then continues from ({@link Result#warmStart()}),
 * so the probe's base training is not paid twice: only the arms are the probe's cost.
 */
public final class PostprocessStage {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * @param train the images final training trains on (the probe images held out of them)
   * @param probe the held-out images every arm is evaluated on
   * @param training the final training's whole recipe (its schedule is what the shares divide)
   * @param minTop1 the base's held-out top-1 below which nothing is decided (0: halfway from chance)
   * @param policy which networks a measurable platform measures ({@link MeasurementPolicy})
   */
  public record Request(Architecture base, List<String> changes, double seRatio, double budgetMs, double margin,
                        DecisionRule rule, double minTop1, double rmseRelative, Dataset train, Dataset probe,
                        Normalization norm, Augmentation aug, TrainingSettings training, double baseShare,
                        double armShare, MeasurementPolicy policy) {}

  /** Progress: steps done and total over the base training and every arm. */
  public record Progress(long step, long total, double loss) {}

  /**
   * @param warmStart the base's trained state (with its log), where final training continues
   * @param baseSteps the schedule's steps the base trained; {@code armSteps} each arm trained after
   * @param gate the gate that decided which networks were measured; {@code measurements} how many were
   */
  public record Result(PostProcessor.Result decisions, TensorArchive warmStart, long baseSteps, long armSteps,
                       String uncertaintySource, double seconds, MeasurementGate gate,
                       MeasurementGate.Count measurements) {
    public Architecture architecture() {
      return decisions.result();
    }
  }

  private PostprocessStage() {}

  public static Result run(Request r, LatencyModel model, RunCheckpoints baseCheckpoints, Consumer<Progress> progress) {
    long t0 = System.nanoTime();
    long schedule = FinalTraining.totalSteps(r.train(), r.training());
    long baseSteps = Math.max(1, Math.round(r.baseShare() * schedule));
    long armSteps = Math.max(1, Math.round(r.armShare() * schedule));
    List<Change> changes = PostprocessChanges.of(r.changes(), r.base(), r.seRatio());
    long total = baseSteps + (changes.isEmpty() ? 0 : armSteps * (1 + changes.size()));
    long[] done = {0};
    TensorArchive warm = trainBase(r, baseCheckpoints, baseSteps, p -> progress.accept(new Progress(p.step(), total,
        p.last().loss())));
    done[0] = baseSteps;
    int classes = r.probe().numClasses();
    double chance = 1.0 / Math.max(2, classes);
    double minTop1 = r.minTop1() > 0 ? r.minTop1() : chance + 0.5 * (1 - chance);
    boolean measured = model instanceof MeasurableLatencyModel;
    LatencyUncertainty u = new LatencyUncertainty(model);
    double limit = measured ? r.budgetMs() * (1 - r.margin()) : r.budgetMs();
    MeasurementGate gate = r.policy().gate(model);
    LatencyCost cost = new LatencyCost(model, gate, limit);
    PostProcessor.Result d = PostProcessor.run(r.base(), changes, cost, r.budgetMs(), limit, r.rule(), minTop1, a -> {
      long from = done[0];
      FinalTraining.Result arm = FinalTraining.run(a, r.train(), null, r.norm(), r.aug(), r.training(), null,
          p -> progress.accept(new Progress(from + p.step() - baseSteps, total, p.last().loss())), warm,
          baseSteps + armSteps);
      done[0] += armSteps;
      return new PostProcessor.Probe(arm.trainer().correctness(r.probe(), r.norm()), arm.model());
    }, r.probe(), r.rmseRelative());
    return new Result(d, warm, baseSteps, armSteps, u.source(), (System.nanoTime() - t0) / 1e9, gate, cost.count());
  }

  /**
   * Trains the base and keeps only its state: its network (the activation buffers of a whole training
   * step) is garbage before the first arm builds its own, so the heap holds one network's activations
   * at a time, as {@link TrainingMemory} assumes.
   */
  private static TensorArchive trainBase(Request r, RunCheckpoints checkpoints, long baseSteps,
                                         Consumer<FinalTraining.Progress> progress) {
    FinalTraining.Result base = FinalTraining.run(r.base(), r.train(), null, r.norm(), r.aug(), r.training(),
        checkpoints, progress, null, baseSteps);
    return FinalTraining.state(base.trainer(), base.log());
  }

  /** Writes {@code postprocessed_model.json} and {@code postprocess.json} to {@code dir}; returns the latter's fields. */
  public static Map<String, Object> write(Result r, String hardware, Path dir) {
    PostProcessor.Result d = r.decisions();
    ModelJson.write(d.result().spec(), dir.resolve("postprocessed_model.json"));
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("hardware", hardware);
    o.put("rule", d.rule().describe());
    o.put("budget_ms", d.budgetMs());
    o.put("limit_ms", d.limitMs());
    // ordered maps only: Map.of's order changes from one JVM to the next, and so would the bytes
    Map<String, Object> probe = new LinkedHashMap<>();
    probe.put("base_steps", r.baseSteps());
    probe.put("arm_steps", r.armSteps());
    probe.put("base_top1", d.baseTop1());
    probe.put("min_top1", d.minTop1());
    probe.put("images", d.decisions().stream().filter(x -> x.gain() != null).mapToInt(x -> x.gain().images())
        .findFirst().orElse(0));
    o.put("probe", probe);
    o.put("decisions", d.decisions().stream().map(PostprocessStage::decision).toList());
    o.put("kept", d.decisions().stream().filter(PostProcessor.Decision::kept).map(x -> x.change().label()).toList());
    o.put("rmse_ranking", d.seRanking().stream().map(x -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("block", x.block());
      m.put("mean_std", x.meanStd());
      m.put("removed", x.removed());
      return m;
    }).toList());
    o.put("base_latency_ms", d.finalCost().baseMs());
    o.put("final_latency_ms", d.finalCost().candidateMs());
    o.put("final_uncertainty_ms", d.finalCost().uncertaintyMs());
    o.put("latency_method", d.finalCost().method());
    o.put("uncertainty_source", r.uncertaintySource());
    // which networks the gate measured, and how many a measure-everything policy would have
    o.put("measurement_gate", r.gate().json(r.measurements()));
    o.put("block_strings", d.result().blockStrings());
    try {
      AtomicFiles.writeString(dir.resolve("postprocess.json"),
          MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> all = new LinkedHashMap<>(o); // the file holds no timing: the same inputs, the same bytes
    all.put("seconds", r.seconds());
    return all;
  }

  private static Map<String, Object> decision(PostProcessor.Decision x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("change", x.change().label());
    m.put("verdict", x.verdict().name().toLowerCase(java.util.Locale.ROOT));
    m.put("reason", x.reason());
    m.put("base_ms", x.cost().baseMs());
    m.put("candidate_ms", x.cost().candidateMs());
    m.put("uncertainty_ms", x.cost().uncertaintyMs());
    m.put("latency_percent", x.latencyPercent());
    m.put("latency_method", x.cost().method());
    m.put("base_top1", x.baseTop1());
    m.put("top1", Double.isNaN(x.top1()) ? null : x.top1());
    if (x.gain() != null) {
      PairedGain g = x.gain();
      m.put("gain_points", g.points());
      m.put("gain_interval_points", List.of(g.lowerPoints(), g.upperPoints()));
      m.put("images", g.images());
      m.put("only_change_right", g.onlyChangeRight());
      m.put("only_base_right", g.onlyBaseRight());
    }
    return m;
  }
}
