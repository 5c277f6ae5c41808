package io.s3nas.actors;

import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * Where a search's stages get their work (docs/design.md, "Actors"). The supervisor asks it to
 * start the work of its current stage, as a child actor whose messages come back to the supervisor
 * as commands; stopping that child (pause, cancel, a completed stage) cancels the work. The real
 * pipeline starts the stage actors; tests plug in plain jobs ({@link #ofJobs}).
 */
public interface Pipeline {
  /** No work at all: the supervisor only records what it is told (protocol tests). */
  Pipeline NONE = ofJobs((id, state, self, noReply) -> null);

  /**
   * Starts the work of {@code state.stage()} as a child of the supervisor and returns it, or null
   * when there is nothing to run.
   */
  ActorRef<?> start(String searchId, SearchSupervisor.Running state, ActorContext<SearchSupervisor.Command> ctx,
                    Duration minBackoff);

  /** Stages as plain jobs, each answering the supervisor with its completion command. */
  @FunctionalInterface
  interface Jobs {
    /**
     * The job of {@code state.stage()}, or null when there is nothing to run. Progress and
     * completion commands go to {@code self} with {@code noReply} as their reply address.
     */
    StageWorker.Job<SearchSupervisor.Command> job(String searchId, SearchSupervisor.Running state,
                                                  ActorRef<SearchSupervisor.Command> self,
                                                  ActorRef<StatusReply<Done>> noReply);
  }

  /** How many times a stage's worker is restarted after transient failures before the search fails. */
  int MAX_RESTARTS = 5;

  /** A pipeline whose stages run as {@code jobs}, each in a supervised {@link StageWorker}. */
  static Pipeline ofJobs(Jobs jobs) {
    return (id, state, ctx, minBackoff) -> startJob(jobs.job(id, state, ctx.getSelf(), ctx.getSystem().ignoreRef()),
        state.stage(), ctx, minBackoff);
  }

  /** Spawns a supervised worker for {@code job} (null: nothing to run). */
  static ActorRef<?> startJob(StageWorker.Job<SearchSupervisor.Command> job, Stage stage,
                              ActorContext<SearchSupervisor.Command> ctx, Duration minBackoff) {
    return job == null ? null : ctx.spawn(StageWorker.create(stage, job, ctx.getSelf(), minBackoff, MAX_RESTARTS),
        childName(stage));
  }

  /** A fresh child name per start: a stopped child's name may not be free yet when the next starts. */
  static String childName(Stage stage) {
    return "stage-" + stage.name().toLowerCase(java.util.Locale.ROOT) + "-" + System.nanoTime();
  }
}
