package io.s3nas.actors;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Where a search's stages get their engine work: the job of a stage for a search in a given state.
 * The real pipeline wraps the engine services; tests plug in their own.
 */
public interface Pipeline {
  /** No work at all: the supervisor only records what it is told (protocol tests). */
  Pipeline NONE = (id, state, self, noReply) -> null;

  /**
   * The job of {@code state.stage()}, or null when there is nothing to run. Progress and completion
   * commands go to {@code self} with {@code noReply} as their reply address.
   */
  StageWorker.Job job(String searchId, SearchSupervisor.Running state, ActorRef<SearchSupervisor.Command> self,
                      ActorRef<StatusReply<Done>> noReply);
}
