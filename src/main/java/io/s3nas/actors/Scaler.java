package io.s3nas.actors;

import io.s3nas.report.CandidatePlot;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.space.Architecture;
import io.s3nas.stages.PipelineSettings;
import io.s3nas.stages.ScalingStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The scaler (docs/design.md, "Actors"): scales a derived architecture to the latency budget by
 * width, depth and resolution (docs/method.md §8). Its candidates are estimated, and on a platform
 * this machine measures, measured whole, by the platform's {@link LatencyEstimator}, asked by
 * message. Writes scaling.json, scaled_model.json and candidates.png; answers {@link Scaled} or
 * {@link StageFailed}.
 */
public final class Scaler {
  /** What the scaler accepts. */
  public interface Command {}

  /** Scale {@code derived} to {@code budgetMs} on {@code hardware}, with the search's settings. */
  public record Scale(Architecture derived, double budgetMs, PipelineSettings settings, String hardware, Path outDir,
                      ActorRef<Reply> replyTo) implements Command {}

  /** What the scaler tells its requester. */
  public interface Reply {}

  /** The chosen scaling, with its estimate and (where measured) measurement. */
  public record Scaled(ScalingStage.Result result) implements Reply {}

  private Scaler() {}

  public static Behavior<Command> create(ActorRef<LatencyEstimator.Command> estimator, Duration minBackoff,
                                         int maxRestarts) {
    return Behaviors.setup(ctx -> StageActor.<Command, Scale, Reply>create(Stage.SCALING, Scale.class,
        Scale::replyTo, (q, cancelled) -> {
          PipelineSettings p = q.settings();
          ScalingStage.Result r = ScalingStage.run(new ScalingStage.Request(q.derived(), q.budgetMs(),
              p.budgetMargin(), ScalingSearch.Size.MACS, ScalingStage.standardGrid(q.derived(), p.scalingStageExtra(),
                  p.scalingMaxMacs()), true, p.measurement()), EstimatorClient.platform(estimator, ctx.getSystem().scheduler()));
          Files.createDirectories(q.outDir());
          ScalingStage.write(r, q.hardware(), q.outDir());
          CandidatePlot.write(q.outDir().resolve("candidates.png"), r.search());
          return new Scaled(r);
        }, minBackoff, maxRestarts));
  }
}
