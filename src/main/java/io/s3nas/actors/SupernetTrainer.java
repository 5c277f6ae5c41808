package io.s3nas.actors;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.data.Datasets;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.stages.SupernetStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The supernet trainer (docs/design.md, "Actors"): trains a search's supernet, warm-up then the
 * latency-aware search (docs/method.md §6.1), and derives its architecture (§7). Expected
 * latencies come from the platform's {@link LatencyEstimator}, asked by message; every step is told
 * to the requester, and every synced checkpoint with its reference (which the supervisor journals
 * before the next one can replace it). One request, one answer: {@link Derived} or
 * {@link StageFailed}.
 */
public final class SupernetTrainer {
  /** What the trainer accepts. */
  public interface Command {}

  /**
   * Train the supernet in {@code supernetFile} on the spec's data at the resolved target;
   * checkpoints in {@code checkpoints}, artifacts (derived_model.json, search log) in {@code outDir}.
   */
  public record Train(SearchSpec spec, Path supernetFile, double targetMs, RunCheckpoints checkpoints, Path outDir,
                      ActorRef<Reply> replyTo) implements Command {}

  /** What the trainer tells its requester. */
  public interface Reply {}

  /** One training step ({@code phase}: warmup or search); {@code expectedMs} the supernet's expected latency. */
  public record Step(String phase, long step, long total, double loss, double expectedMs) implements Reply {}

  /** A checkpoint written and synced at {@code step}. */
  public record Checkpointed(String phase, long step, long total, double loss, double expectedMs,
                             String checkpointRef) implements Reply {}

  /** The search's end: the derived architecture and its estimate. */
  public record Derived(SinglePathSearch.Result result) implements Reply {}

  private SupernetTrainer() {}

  public static Behavior<Command> create(ActorRef<LatencyEstimator.Command> estimator, Duration minBackoff,
                                         int maxRestarts) {
    return Behaviors.setup(ctx -> StageActor.<Command, Train, Reply>create(Stage.SUPERNET, Train.class,
        Train::replyTo, (q, cancelled) -> {
          SearchSpec s = q.spec();
          ModelSpec supernet = ModelJson.read(q.supernetFile());
          SearchSpace space = SearchSpace.of(supernet);
          NetworkLatency latency = NetworkLatency.of(space, EstimatorClient.platform(estimator,
              ctx.getSystem().scheduler()));
          RunCheckpoints ck = q.checkpoints();
          SinglePathSearch.Result r = SupernetStage.run(new SupernetStage.Request(space,
              SearchInputs.supernet(s, supernet).train(), s.settings().validationShare(),
              Datasets.augmentation(s.dataset()), SupernetStage.settings(s.settings(), s.batch(), q.targetMs(),
                  s.seed()), s.warmupEpochs(), s.searchEpochs()), latency, ck, p -> {
                    if (cancelled.get()) {
                      throw new CancellationException();
                    }
                    String phase = p.last().phase().name().toLowerCase(Locale.ROOT);
                    q.replyTo().tell(new Step(phase, p.step(), p.total(), p.last().loss(), p.last().expectedMs()));
                    if (p.checkpointRef() != null) {
                      q.replyTo().tell(new Checkpointed(phase, p.step(), p.total(), p.last().loss(),
                          p.last().expectedMs(), p.checkpointRef()));
                    }
                  });
          SupernetStage.write(r, Files.createDirectories(q.outDir()));
          return new Derived(r);
        }, minBackoff, maxRestarts));
  }
}
