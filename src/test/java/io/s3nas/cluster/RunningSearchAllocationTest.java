package io.s3nas.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import scala.collection.immutable.IndexedSeq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The placement of a new search: on the region with the fewest running searches (live entities),
 * whatever the shards its finished searches left allocated; ties to the fewest shards; a region
 * that does not answer is not chosen; nothing is ever rebalanced.
 */
class RunningSearchAllocationTest {
  static final ActorSystem SYSTEM = ActorSystem.create("allocation");

  @AfterAll
  static void stop() throws Exception {
    SYSTEM.terminate();
    SYSTEM.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A region whose shards hold these live entities (shard id → entity ids). */
  static final class FakeRegion extends AbstractActor {
    private final Map<String, Set<String>> live;

    FakeRegion(Map<String, Set<String>> live) {
      this.live = live;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().matchEquals(ShardRegion.getShardRegionStateInstance(), m -> {
        java.util.Set<ShardRegion.ShardState> shards = new java.util.HashSet<>();
        live.forEach((shard, ids) -> shards.add(new ShardRegion.ShardState(shard,
            CollectionConverters.asScala(ids).toSet())));
        getSender().tell(new ShardRegion.CurrentShardRegionState(CollectionConverters.asScala(shards).toSet()),
            getSelf());
      }).build();
    }
  }

  /** A region that never answers (unreachable). */
  static final class Silent extends AbstractActor {
    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(m -> {}).build();
    }
  }

  static IndexedSeq<String> shards(String... ids) {
    return CollectionConverters.asScala(List.of(ids)).toIndexedSeq();
  }

  static ActorRef region(Map<String, Set<String>> live) {
    return SYSTEM.actorOf(Props.create(FakeRegion.class, () -> new FakeRegion(live)));
  }

  static ActorRef choose(ActorRef requester, Map<ActorRef, IndexedSeq<String>> current) throws Exception {
    return new RunningSearchAllocation(Duration.ofMillis(500)).choose(requester, current).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aNewSearchGoesToTheWorkerRunningFewestSearchesNotTheOneWithFewestShards() throws Exception {
    // a: three shards of finished (passivated) searches, nothing running; b: one shard, one search running
    ActorRef a = region(Map.of("1", Set.of(), "2", Set.of(), "3", Set.of()));
    ActorRef b = region(Map.of("4", Set.of("search-4")));
    Map<ActorRef, IndexedSeq<String>> current = new HashMap<>();
    current.put(a, shards("1", "2", "3"));
    current.put(b, shards("4"));
    assertEquals(a, choose(b, current), "the idle worker, though it has more shards");

    // nothing running anywhere: the fewest shards
    ActorRef c = region(Map.of("5", Set.of()));
    Map<ActorRef, IndexedSeq<String>> idle = new HashMap<>();
    idle.put(a, shards("1", "2", "3"));
    idle.put(c, shards("5"));
    assertEquals(c, choose(a, idle));

    // a region that does not answer is not chosen, even with no shards at all
    ActorRef silent = SYSTEM.actorOf(Props.create(Silent.class, Silent::new));
    Map<ActorRef, IndexedSeq<String>> withSilent = new HashMap<>();
    withSilent.put(b, shards("4"));
    withSilent.put(silent, shards());
    assertEquals(b, choose(silent, withSilent));

    assertTrue(new RunningSearchAllocation(Duration.ofMillis(500)).rebalance(current, Set.of()).value().get().get()
        .isEmpty(), "never rebalances a running search away");
  }
}
