package io.s3nas.api;

import io.s3nas.actors.SearchControl;
import io.s3nas.actors.SearchSpec;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.pattern.StatusReply;

/**
 * Where the HTTP API sends searches and control requests when it runs on a cluster node
 * (docs/cluster.md): to the search's sharded entity, wherever it lives, instead of a journal's
 * control stream that one process follows.
 */
public interface SearchGateway {
  /** Starts search {@code id} with {@code spec} (an error reply when the id is taken). */
  CompletionStage<StatusReply<Done>> submit(String id, SearchSpec spec);

  /**
   * Starts search {@code id} as a fork of {@code sourceId} with {@code changes} (docs/design.md,
   * "Forks"); fails with {@link io.s3nas.common.InvalidInputException} when the source cannot be
   * forked or the changes are wrong, an error reply when the id is taken.
   */
  CompletionStage<StatusReply<Done>> fork(String id, String sourceId, io.s3nas.actors.Forks.Changes changes);

  /** Cancels, pauses or resumes search {@code id}. */
  CompletionStage<StatusReply<Done>> control(String id, SearchControl.Kind kind, String reason);

  /** Search {@code id}'s per-step progress, wherever in the cluster it runs. */
  org.apache.pekko.stream.javadsl.Source<io.s3nas.actors.LiveProgress, org.apache.pekko.NotUsed> live(String id);

  /**
   * The cluster as this node sees it: {@code members} (address, status, roles) and {@code searches}
   * (which node hosts each of {@code searchIds} now; absent: not running anywhere).
   */
  CompletionStage<java.util.Map<String, Object>> cluster(java.util.List<String> searchIds);
}
