package io.s3nas.actors;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.data.Datasets;
import io.s3nas.postprocess.DecisionRule;
import io.s3nas.space.Architecture;
import io.s3nas.stages.FinalData;
import io.s3nas.stages.FinalTrainingStage;
import io.s3nas.stages.PhaseLength;
import io.s3nas.stages.PipelineSettings;
import io.s3nas.stages.PostprocessStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The post-processor (docs/design.md, "Actors"): decides which of the search's changes (SE on the
 * last stage, h-swish, ...) the scaled network keeps (docs/method.md §9): a base trained for a
 * share of the final schedule, each change fine-tuned from it, kept when its paired gain on the
 * probe images is significant and the changed network stays within the budget, as estimated by the
 * platform's {@link LatencyEstimator}, asked by message. Writes postprocess.json and
 * postprocessed_model.json; stores the trained base as the final training's warm start; answers
 * {@link Decided} or {@link StageFailed}.
 */
public final class PostProcessor {
  /** What the post-processor accepts. */
  public interface Command {}

  /** Decide the changes for {@code scaled} within {@code budgetMs}; probe training checkpointed in {@code checkpoints}. */
  public record Decide(SearchSpec spec, Architecture scaled, double budgetMs, RunCheckpoints checkpoints, Path outDir,
                       ActorRef<Reply> replyTo) implements Command {}

  /** What the post-processor tells its requester. */
  public interface Reply {}

  /** One probe-training step (base or arm). */
  public record Step(long step, long total, double loss) implements Reply {}

  /** The decisions, and the checkpoint of the trained base that final training continues from. */
  public record Decided(PostprocessStage.Result result, String warmStartRef) implements Reply {}

  private PostProcessor() {}

  public static Behavior<Command> create(ActorRef<LatencyEstimator.Command> estimator, Duration minBackoff,
                                         int maxRestarts) {
    return Behaviors.setup(ctx -> StageActor.<Command, Decide, Reply>create(Stage.POST_PROCESSING, Decide.class,
        Decide::replyTo, (q, cancelled) -> {
          SearchSpec s = q.spec();
          PipelineSettings p = s.settings();
          FinalData d = SearchInputs.network(s, q.scaled());
          PostprocessStage.Result r = PostprocessStage.run(new PostprocessStage.Request(q.scaled(),
              p.postprocessChanges(), p.seRatio(), q.budgetMs(), p.budgetMargin(),
              new DecisionRule(p.minGainPoints(), p.pointsPerPercent()), p.probeMinTop1(), p.rmseRelative(),
              d.train(), d.probe(), d.norm(), Datasets.augmentation(s.dataset()), FinalTrainingStage.settings(p,
                  PhaseLength.finalEpochs(s.finalEpochs(), d.train().size(), s.batch()), s.batch(), s.seed()),
              p.probeBaseShare(), p.probeArmShare(), p.measurement()), EstimatorClient.platform(estimator,
                  ctx.getSystem().scheduler()), q.checkpoints(), x -> {
                    if (cancelled.get()) {
                      throw new CancellationException();
                    }
                    q.replyTo().tell(new Step(x.step(), x.total(), x.loss()));
                  });
          PostprocessStage.write(r, s.hardware(), Files.createDirectories(q.outDir()));
          String warm = q.checkpoints().store().put(r.warmStart().toBytes());
          return new Decided(r, warm);
        }, minBackoff, maxRestarts));
  }
}
