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
 * The worker of one stage of one search: runs the stage's engine job on the blocking dispatcher
 * ({@code s3nas.blocking-dispatcher}), lets the job report progress to the supervisor, and sends
 * the job's completion. A job that fails on its input (an {@link InvalidInputException} or an
 * {@link IllegalArgumentException}) fails the search with that reason; any other failure restarts
 * the worker with backoff, and the job continues from its last checkpoint.
 */
public final class StageWorker {
  // the job runs off the actor's thread, where its ActorContext (and so ctx.getLog()) must not be used
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StageWorker.class);

  /** The engine work of a stage. */
  @FunctionalInterface
  public interface Job {
    /**
     * Runs the stage to its end and returns the completion command for the supervisor.
     * {@code cancelled} turns true when the worker stops (pause, cancel); the job should stop at its
     * next progress report by throwing {@link CancellationException}.
     */
    SearchSupervisor.Command run(AtomicBoolean cancelled) throws Exception;
  }

  interface Msg {}

  private record Completed(SearchSupervisor.Command completion) implements Msg {}

  private record Crashed(Throwable error) implements Msg {}

  /** A failure worth a restart (the job resumes from its checkpoint). */
  static final class TransientFailure extends RuntimeException {
    TransientFailure(Throwable cause) {
      super(cause.getMessage(), cause);
    }
  }

  private StageWorker() {}

  public static Behavior<Msg> create(Stage stage, Job job, ActorRef<SearchSupervisor.Command> supervisor,
                                     Duration minBackoff, int maxRestarts) {
    Behavior<Msg> run = Behaviors.setup(ctx -> {
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("s3nas.blocking-dispatcher"));
      AtomicBoolean cancelled = new AtomicBoolean();
      ctx.getLog().info("{} starting", stage);
      CompletableFuture<SearchSupervisor.Command> f = CompletableFuture.supplyAsync(() -> {
        long t0 = System.nanoTime();
        try {
          SearchSupervisor.Command done = job.run(cancelled);
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
            supervisor.tell(c.completion());
            return Behaviors.stopped();
          })
          .onMessage(Crashed.class, c -> {
            Throwable e = c.error();
            if (e instanceof CancellationException || cancelled.get()) {
              return Behaviors.stopped();
            }
            if (e instanceof InvalidInputException || e instanceof IllegalArgumentException) {
              supervisor.tell(new SearchSupervisor.WorkFailed(stage, e.getMessage(), true, ctx.getSystem().ignoreRef()));
              return Behaviors.stopped();
            }
            if (e instanceof OutOfMemoryError oom) {
              // the same job under the same limits runs out again: restarting would only hide the reason
              String advice = OutOfMemoryAdvice.message(oom, Runtime.getRuntime().maxMemory());
              supervisor.tell(new SearchSupervisor.WorkFailed(stage, advice, true, ctx.getSystem().ignoreRef()));
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
