package io.s3nas.actors;

import io.s3nas.common.InvalidInputException;
import io.s3nas.common.OutOfMemoryAdvice;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The worker under every stage (docs/design.md, "Actors"): runs one engine job on the blocking
 * dispatcher ({@code s3nas.blocking-dispatcher}) and sends its answer to a target (the supervisor,
 * or the stage actor that spawned it). A job that fails on its input (an
 * {@link InvalidInputException} or an {@link IllegalArgumentException}) or runs out of memory is
 * reported as a permanent failure; any other failure restarts the worker with backoff, and the job
 * continues from its last checkpoint. A worker that gives up after its restarts stops without an
 * answer: whoever watches it reports that.
 */
public final class StageWorker {
  // the job runs off the actor's thread, where its ActorContext (and so ctx.getLog()) must not be used
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StageWorker.class);

  /** The engine work of a stage; {@code T} is the answer it sends. */
  @FunctionalInterface
  public interface Job<T> {
    /**
     * Runs the stage to its end and returns its answer. {@code cancelled} turns true when the
     * worker stops (pause, cancel); the job should stop at its next progress report by throwing
     * {@link CancellationException}.
     */
    T run(AtomicBoolean cancelled) throws Exception;
  }

  /** How the failures that end a job are told to the target. */
  public interface Failure<T> {
    /** Bad input or out of memory: retrying cannot help. */
    T failed(String reason);

    /** The disk is full (or a file-size limit is met): nothing to do until someone frees space. */
    T outOfSpace(String reason);

    static <T> Failure<T> of(java.util.function.Function<String, T> failed,
                             java.util.function.Function<String, T> outOfSpace) {
      return new Failure<>() {
        @Override
        public T failed(String reason) {
          return failed.apply(reason);
        }

        @Override
        public T outOfSpace(String reason) {
          return outOfSpace.apply(reason);
        }
      };
    }
  }

  interface Msg {}

  private record Completed(Object answer) implements Msg {}

  private record Crashed(Throwable error) implements Msg {}

  /** A failure worth a restart (the job resumes from its checkpoint). */
  static final class TransientFailure extends RuntimeException {
    TransientFailure(Throwable cause) {
      super(cause.getMessage(), cause);
    }
  }

  private StageWorker() {}

  /** A worker whose job answers the supervisor directly (its completion commands, {@link SearchSupervisor.WorkFailed}). */
  public static Behavior<Msg> create(Stage stage, Job<SearchSupervisor.Command> job,
                                     ActorRef<SearchSupervisor.Command> supervisor, Duration minBackoff, int maxRestarts) {
    return Behaviors.setup(ctx -> create(stage, job, supervisor, Failure.of(
        reason -> new SearchSupervisor.WorkFailed(stage, reason, true, ctx.getSystem().ignoreRef()),
        reason -> new SearchSupervisor.WorkBlocked(stage, reason, ctx.getSystem().ignoreRef())), minBackoff,
        maxRestarts));
  }

  public static <T> Behavior<Msg> create(Stage stage, Job<T> job, ActorRef<T> target, Failure<T> failure,
                                         Duration minBackoff, int maxRestarts) {
    Behavior<Msg> run = Behaviors.setup(ctx -> {
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("s3nas.blocking-dispatcher"));
      AtomicBoolean cancelled = new AtomicBoolean();
      ctx.getLog().info("{} starting", stage);
      CompletableFuture<T> f = CompletableFuture.supplyAsync(() -> {
        long t0 = System.nanoTime();
        try {
          T done = job.run(cancelled);
          // scripts/bench-orchestration sums these: everything else in a search's wall time is orchestration
          LOG.info("{} engine work done in {} ms", stage, (System.nanoTime() - t0) / 1_000_000);
          return done;
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      }, blocking);
      ctx.pipeToSelf(f, (ok, err) -> ok != null ? new Completed(ok) : new Crashed(unwrap(err)));
      return Behaviors.receive(Msg.class)
          .onMessage(Completed.class, c -> {
            CrashPoint.afterWork(stage);
            @SuppressWarnings("unchecked") // Completed holds what the job returned: a T
            T answer = (T) c.answer();
            target.tell(answer);
            return Behaviors.stopped();
          })
          .onMessage(Crashed.class, c -> {
            Throwable e = c.error();
            if (e instanceof CancellationException || cancelled.get()) {
              return Behaviors.stopped();
            }
            if (e instanceof InvalidInputException || e instanceof IllegalArgumentException) {
              target.tell(failure.failed(e.getMessage()));
              return Behaviors.stopped();
            }
            if (e instanceof OutOfMemoryError oom) {
              // the same job under the same limits runs out again: restarting would only hide the reason
              String advice = OutOfMemoryAdvice.message(oom, Runtime.getRuntime().maxMemory());
              target.tell(failure.failed(advice));
              return Behaviors.stopped();
            }
            java.util.Optional<String> full = io.s3nas.common.OutOfSpace.reason(e);
            if (full.isPresent()) {
              ctx.getLog().warn("{} cannot write: {}", stage, full.get());
              target.tell(failure.outOfSpace(full.get()));
              return Behaviors.stopped();
            }
            ctx.getLog().warn("{} failed, restarting from its last checkpoint: {}", stage, e.toString());
            throw new TransientFailure(e);
          })
          .onSignal(PreRestart.class, s -> {
            cancelled.set(true);
            return Behaviors.same();
          })
          .onSignal(PostStop.class, s -> {
            cancelled.set(true);
            return Behaviors.same();
          })
          .build();
    });
    return Behaviors.supervise(run).onFailure(TransientFailure.class,
        SupervisorStrategy.restartWithBackoff(minBackoff, minBackoff.multipliedBy(30), 0.2).withMaxRestarts(maxRestarts));
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
