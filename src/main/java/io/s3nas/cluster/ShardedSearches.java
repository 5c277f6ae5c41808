package io.s3nas.cluster;

import io.s3nas.actors.EnginePipeline;
import io.s3nas.actors.SearchControl;
import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.api.SearchGateway;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import io.s3nas.actors.LiveProgress;
import io.s3nas.api.LiveFeed;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * The searches of a cluster (docs/cluster.md): one {@link SearchSupervisor} per search id under
 * Cluster Sharding, on {@code worker} nodes, remembered in the journal (remember-entities, event
 * sourced), so the searches of a node that dies restart on another one and their stage continues
 * from the journal's last checkpoint reference. Other nodes get a proxy from the same init. The
 * persistence id stays {@code Search|<id>}: {@code list}, {@code status} and {@code serve} read
 * cluster searches as they read single-process ones.
 */
public final class ShardedSearches implements SearchGateway {
  public static final EntityTypeKey<SearchSupervisor.Command> SEARCH =
      EntityTypeKey.create(SearchSupervisor.Command.class, "Search");
  private static final Duration ASK = Duration.ofSeconds(30);
  /** How long a device node that is up may take to register its platform's service. */
  static final Duration DEVICE_FIND = Duration.ofSeconds(60);
  /** The longest one timing request to a device may take (a whole supernet's table on a slow device). */
  static final Duration DEVICE_REQUEST = Duration.ofMinutes(30);
  private final ClusterSharding sharding;
  private final NodeSettings settings;
  private final ActorRef<Topic.Command<LiveProgress>> liveTopic;
  private final ActorSystem<?> system;

  private ShardedSearches(ActorSystem<?> system, ClusterSharding sharding, NodeSettings settings,
                          ActorRef<Topic.Command<LiveProgress>> live) {
    this.system = system;
    this.sharding = sharding;
    this.settings = settings;
    this.liveTopic = live;
  }

  /** Starts this node's shard region (or proxy, on a node without the {@code worker} role). */
  public static ShardedSearches start(ActorSystem<?> system, NodeSettings s) {
    ClusterSharding sharding = ClusterSharding.get(system);
    DevicePlatforms devices = new DevicePlatforms(system,
        hw -> io.s3nas.platform.HardwareRegistry.load(s.confDir().resolve("hardware")).model(hw), DEVICE_FIND,
        DEVICE_REQUEST);
    sharding.init(Entity.of(SEARCH, ec -> SearchSupervisor.sharded(ec.getEntityId(),
            ctx -> new EnginePipeline(s.confDir(), s.dataDir(), s.runDir(), s.checkpointEvery(), ctx,
                devices::model),
            Duration.ofSeconds(1), ec.getShard()))
        .withRole("worker")
        // the worker with the fewest running searches, and never a rebalance that would restart one
        .withAllocationStrategy(new RunningSearchAllocation(Duration.ofSeconds(3)))
        .withStopMessage(new SearchSupervisor.Stop()));
    // per-step progress: a search's supervisor publishes it on its node's event stream; a bridge on
    // every node hands it to one distributed topic, which every node's /live and dashboard read
    ActorRef<Topic.Command<LiveProgress>> topic = system.systemActorOf(
        Topic.create(LiveProgress.class, "s3nas-live-progress"), "live-progress-topic", Props.empty());
    ActorRef<LiveProgress> bridge = system.systemActorOf(Behaviors.receive(LiveProgress.class)
        .onMessage(LiveProgress.class, p -> {
          topic.tell(Topic.publish(p));
          return Behaviors.same();
        }).build(), "live-progress-bridge", Props.empty());
    system.eventStream().tell(new EventStream.Subscribe<>(LiveProgress.class, bridge));
    return new ShardedSearches(system, sharding, s, topic);
  }

  @Override
  public Source<LiveProgress, NotUsed> live(String id) {
    return LiveFeed.of(ref -> liveTopic.tell(Topic.subscribe(ref)), ref -> liveTopic.tell(Topic.unsubscribe(ref)), id);
  }

  private EntityRef<SearchSupervisor.Command> entity(String id) {
    return sharding.entityRefFor(SEARCH, id);
  }

  @Override
  public CompletionStage<StatusReply<Done>> submit(String id, SearchSpec spec) {
    // outputs go to the cluster's shared run folder, whatever the submitter's own
    SearchSpec placed = spec.withRunDir(settings.runDir().toAbsolutePath());
    return entity(id).ask(r -> new SearchSupervisor.Submit(placed, r), ASK);
  }

  @Override
  public CompletionStage<StatusReply<Done>> fork(String id, String sourceId, io.s3nas.actors.Forks.Changes changes) {
    return new io.s3nas.actors.SearchJournal(system).events(sourceId).thenCompose(events -> {
      io.s3nas.actors.Forks.Plan plan = io.s3nas.actors.Forks.plan(sourceId, events, settings.dataDir(), changes);
      SearchSpec spec = plan.spec().withRunDir(settings.runDir().toAbsolutePath());
      io.s3nas.platform.HardwareRegistry.load(settings.confDir().resolve("hardware")).platform(spec.hardware());
      return entity(id).ask(r -> new SearchSupervisor.Fork(spec, plan.origin(), r), ASK);
    });
  }

  @Override
  public CompletionStage<StatusReply<Done>> control(String id, SearchControl.Kind kind, String reason) {
    EntityRef<SearchSupervisor.Command> e = entity(id);
    return switch (kind) {
      case CANCEL -> e.ask(r -> new SearchSupervisor.Cancel(reason, r), ASK);
      case PAUSE -> e.ask(SearchSupervisor.Pause::new, ASK);
      case RESUME -> e.ask(SearchSupervisor.Resume::new, ASK);
    };
  }

  @Override
  public CompletionStage<java.util.Map<String, Object>> cluster(java.util.List<String> searchIds) {
    java.util.List<java.util.Map<String, Object>> members = new java.util.ArrayList<>();
    for (org.apache.pekko.cluster.Member m : org.apache.pekko.cluster.typed.Cluster.get(system).state().getMembers()) {
      java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
      o.put("address", m.address().toString());
      o.put("status", m.status().toString());
      o.put("roles", m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList());
      members.add(o);
    }
    // a search's shard is the default extractor's: |hashCode| mod the number of shards
    int shards = system.settings().config().getInt("pekko.cluster.sharding.number-of-shards");
    CompletionStage<org.apache.pekko.cluster.sharding.ShardRegion.ClusterShardingStats> stats =
        org.apache.pekko.actor.typed.javadsl.AskPattern.ask(sharding.shardState(),
            r -> new org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats(SEARCH, Duration.ofSeconds(5), r),
            Duration.ofSeconds(10), system.scheduler());
    return stats.thenApply(st -> {
      java.util.Map<String, Object> placed = new java.util.TreeMap<>();
      for (String id : searchIds) {
        String shard = String.valueOf(Math.abs(id.hashCode()) % shards);
        st.getRegions().forEach((address, region) -> {
          Object n = region.getStats().get(shard);
          if (n instanceof Integer count && count > 0) {
            placed.put(id, address.toString());
          }
        });
      }
      java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
      out.put("self", org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().address().toString());
      out.put("members", members);
      out.put("searches", placed);
      return out;
    });
  }
}
