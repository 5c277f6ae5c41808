package io.s3nas.actors;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.data.Datasets;
import io.s3nas.space.Architecture;
import io.s3nas.stages.FinalData;
import io.s3nas.stages.FinalTrainingStage;
import io.s3nas.stages.PhaseLength;
import io.s3nas.train.FinalTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The final trainer (docs/design.md, "Actors"): trains the post-processed network from the
 * post-processor's warm start to the end of its schedule (docs/method.md §6.3) and writes
 * {@code model.s3model}. Every step is told to the requester, and every synced checkpoint with its
 * reference. Answers {@link Trained} or {@link StageFailed}.
 */
public final class NetworkTrainer {
  /** What the trainer accepts. */
  public interface Command {}

  /** Train {@code arch}, continuing from the checkpoint {@code warmStartRef} when not null. */
  public record Train(SearchSpec spec, Architecture arch, RunCheckpoints checkpoints, String warmStartRef,
                      Path modelFile, ActorRef<Reply> replyTo) implements Command {}

  /** What the trainer tells its requester. */
  public interface Reply {}

  public record Step(long step, long total, double loss) implements Reply {}

  /** A checkpoint written and synced at {@code step} (before the last). */
  public record Checkpointed(long step, long total, double loss, String checkpointRef) implements Reply {}

  /** Training ended; the model file is written. */
  public record Trained(long steps, double loss, String checkpointRef, double testTop1) implements Reply {}

  private NetworkTrainer() {}

  public static Behavior<Command> create(Duration minBackoff, int maxRestarts) {
    return StageActor.<Command, Train, Reply>create(Stage.FINAL_TRAINING, Train.class, Train::replyTo,
        (q, cancelled) -> {
          SearchSpec s = q.spec();
          FinalData d = SearchInputs.network(s, q.arch());
          RunCheckpoints ck = q.checkpoints();
          TensorArchive warm = q.warmStartRef() == null ? null
              : TensorArchive.fromBytes(ck.store().get(q.warmStartRef()), q.warmStartRef());
          FinalTraining.Result r = FinalTrainingStage.run(q.arch(), d, Datasets.augmentation(s.dataset()),
              FinalTrainingStage.settings(s.settings(), PhaseLength.finalEpochs(s.finalEpochs(), d.train().size(),
                  s.batch()), s.batch(), s.seed()), ck, warm, p -> {
                    if (cancelled.get()) {
                      throw new CancellationException();
                    }
                    q.replyTo().tell(new Step(p.step(), p.total(), p.last().loss()));
                    if (ck.due(p.step(), p.total()) && p.step() < p.total()) {
                      q.replyTo().tell(new Checkpointed(p.step(), p.total(), p.last().loss(),
                          ck.store().latest(ck.run()).orElse(null)));
                    }
                  });
          Files.createDirectories(q.modelFile().toAbsolutePath().getParent());
          FinalTrainingStage.write(r, q.modelFile());
          return new Trained(r.steps(), r.log().get(r.log().size() - 1).loss(), ck.store().latest(ck.run())
              .orElse(null), r.testTop1());
        }, minBackoff, maxRestarts);
  }
}
