package io.s3nas.actors;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The life every stage actor shares ({@link SupernetTrainer}, {@link Scaler}, {@link PostProcessor},
 * {@link NetworkTrainer}; docs/design.md, "Actors"): it takes one request, runs the stage's work for
 * it in a supervised {@link StageWorker} child (blocking dispatcher, restart with backoff from the
 * last checkpoint, bad input and out-of-memory fail at once), answers the requester exactly once,
 * and stops. Stopping it (the supervisor's pause or cancel) cancels the work at its next progress
 * report. Written once here so that the four actors differ only in their protocol and their work.
 */
final class StageActor {
  private StageActor() {}

  /** The stage's work for one request; it may tell the requester progress while it runs. */
  @FunctionalInterface
  interface Work<Q, R> {
    R run(Q request, AtomicBoolean cancelled) throws Exception;
  }

  /** The worker's answer, on its way to the requester. */
  private record Answer(Object reply) {}

  /** The worker failed for good (bad input, out of memory); transient failures it retries itself. */
  private record WorkerFailed(String reason) {}

  /** The worker could not write: the disk is full. */
  private record WorkerOutOfSpace(String reason) {}

  /** The worker stopped; without an answer before it, it gave up after its restarts. */
  private record WorkerStopped() {}

  /**
   * A stage actor for requests of type {@code Q}, answering with {@code R}: the requester's address
   * is read from the request, failures are answered as {@link StageFailed}, a full disk as
   * {@link StageOutOfSpace}.
   */
  static <C, Q extends C, R> Behavior<C> create(Stage stage, Class<Q> requestType,
                                                Function<Q, ActorRef<? super StageFailed>> replyTo,
                                                Work<Q, R> work, Duration minBackoff, int maxRestarts) {
    Behavior<Object> b = Behaviors.setup(ctx -> Behaviors.receive(Object.class)
        .onMessage(requestType, q -> {
          ActorRef<Object> self = ctx.getSelf();
          var worker = ctx.spawn(StageWorker.<Object>create(stage, cancelled -> new Answer(work.run(q, cancelled)),
              self, StageWorker.Failure.of(WorkerFailed::new, WorkerOutOfSpace::new), minBackoff, maxRestarts),
              "worker");
          ctx.watchWith(worker, new WorkerStopped());
          return running(stage, replyTo.apply(q));
        })
        .build());
    return b.narrow();
  }

  @SuppressWarnings("unchecked") // an Answer holds the work's reply, which the requester's protocol accepts
  private static Behavior<Object> running(Stage stage, ActorRef<? super StageFailed> requester) {
    ActorRef<Object> to = (ActorRef<Object>) requester;
    return Behaviors.receive(Object.class)
        .onMessage(Answer.class, a -> {
          to.tell(a.reply());
          return Behaviors.stopped();
        })
        .onMessage(WorkerFailed.class, f -> {
          to.tell(new StageFailed(stage, f.reason()));
          return Behaviors.stopped();
        })
        .onMessage(WorkerOutOfSpace.class, f -> {
          to.tell(new StageOutOfSpace(stage, f.reason()));
          return Behaviors.stopped();
        })
        .onMessage(WorkerStopped.class, s -> {
          to.tell(new StageFailed(stage, "the " + stage + " worker stopped after repeated failures"));
          return Behaviors.stopped();
        })
        .build();
  }
}
