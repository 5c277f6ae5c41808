package io.s3nas.actors;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The one worker a search's entity runs at a time (docs/design.md, "Actors"): its current stage's,
 * while the search runs and is not paused; none otherwise. The entity brings it in line with its
 * state after every persisted event and after recovery, which is how a restarted search re-issues
 * its stage's work from the stage's last checkpoint.
 */
final class CurrentStageWorker {
  private final String searchId;
  private final ActorContext<SearchSupervisor.Command> ctx;
  private final Pipeline pipeline;
  private final Duration minBackoff;
  private ActorRef<?> worker;
  private Stage stage;

  CurrentStageWorker(String searchId, ActorContext<SearchSupervisor.Command> ctx, Pipeline pipeline,
                     Duration minBackoff) {
    this.searchId = searchId;
    this.ctx = ctx;
    this.pipeline = pipeline;
    this.minBackoff = minBackoff;
  }

  /** Stops a worker the state no longer wants, and starts the current stage's when there is none. */
  void reconcile(SearchSupervisor.State s) {
    boolean wanted = s instanceof SearchSupervisor.Running r && !r.paused();
    Stage now = s instanceof SearchSupervisor.Running r ? r.stage() : null;
    if (worker != null && (!wanted || now != stage)) {
      ctx.unwatch(worker);
      ctx.stop(worker);
      worker = null;
      stage = null;
    }
    if (wanted && worker == null) {
      SearchSupervisor.Running r = (SearchSupervisor.Running) s;
      ActorRef<?> ref = pipeline.start(searchId, r, ctx, minBackoff);
      if (ref != null) {
        // a worker that stops without its completion gave up after its restarts
        ctx.watchWith(ref, new SearchSupervisor.WorkerStopped(ref.unsafeUpcast(), r.stage()));
        worker = ref;
        stage = r.stage();
      }
    }
  }

  /**
   * After a restart (a journal write failed) the old incarnation's worker has been stopped with it:
   * forgetting it, and its death, which would otherwise read as a worker that gave up, lets the
   * stage run again from its last checkpoint.
   */
  void forget() {
    if (worker != null) {
      ctx.unwatch(worker);
      worker = null;
      stage = null;
    }
  }

  /** Whether {@code ref} is the current worker (a stale one's death is ignored). */
  boolean is(ActorRef<?> ref) {
    return worker != null && worker.equals(ref);
  }
}
