package io.s3nas.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.pattern.Patterns;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * Where Cluster Sharding places a search (docs/cluster.md, "Searches as sharded entities"): on the
 * worker that runs the fewest searches now. Pekko's default balances allocated shards, and a
 * finished or paused search leaves its shard allocated (its entity passivated), so over a long life
 * two new searches could share a node while another sits idle. This strategy asks every region for
 * its live entities (running searches: finished and paused ones have passivated) and picks the
 * region with the fewest; ties go to the fewest allocated shards, then to the requesting region. A
 * region that does not answer in time is not chosen (unless none answers: then shard counts decide).
 *
 * <p>It never rebalances: moving a shard would stop its running search and restart it elsewhere from
 * its last checkpoint, losing the steps since. A search moves only when its node leaves.
 */
final class RunningSearchAllocation extends ShardCoordinator.AbstractShardAllocationStrategy {
  private final Duration askTimeout;

  /** @param askTimeout how long a region may take to report its live entities */
  RunningSearchAllocation(Duration askTimeout) {
    this.askTimeout = askTimeout;
  }

  private record Load(ActorRef region, int running, int shards, boolean answered) {}

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId,
                                        Map<ActorRef, IndexedSeq<String>> current) {
    return FutureConverters.asScala(choose(requester, current));
  }

  CompletionStage<ActorRef> choose(ActorRef requester, Map<ActorRef, IndexedSeq<String>> current) {
    if (current.isEmpty()) {
      return CompletableFuture.completedFuture(requester);
    }
    List<CompletableFuture<Load>> asked = new ArrayList<>();
    for (Map.Entry<ActorRef, IndexedSeq<String>> e : current.entrySet()) {
      ActorRef region = e.getKey();
      int shards = e.getValue().size();
      asked.add(Patterns.ask(region, ShardRegion.getShardRegionStateInstance(), askTimeout).toCompletableFuture()
          .thenApply(reply -> {
            int running = 0;
            for (ShardRegion.ShardState s : ((ShardRegion.CurrentShardRegionState) reply).getShards()) {
              running += s.getEntityIds().size();
            }
            return new Load(region, running, shards, true);
          })
          .exceptionally(err -> new Load(region, Integer.MAX_VALUE, shards, false)));
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenApply(done -> {
      List<Load> loads = asked.stream().map(CompletableFuture::join).toList();
      boolean anyAnswered = loads.stream().anyMatch(Load::answered);
      return loads.stream()
          .filter(l -> l.answered() || !anyAnswered)
          .min(Comparator.comparingInt((Load l) -> anyAnswered ? l.running() : 0)
              .thenComparingInt(Load::shards)
              .thenComparing(l -> l.region().equals(requester) ? 0 : 1))
          .map(Load::region)
          .orElse(requester);
    });
  }

  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    return Future.successful(Set.of());
  }
}
