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
  private final ClusterSharding sharding;
  private final NodeSettings settings;
  private final ActorRef<Topic.Command<LiveProgress>> liveTopic;

  private ShardedSearches(ClusterSharding sharding, NodeSettings settings, ActorRef<Topic.Command<LiveProgress>> live) {
    this.sharding = sharding;
    this.settings = settings;
    this.liveTopic = live;
  }

  /** Starts this node's shard region (or proxy, on a node without the {@code worker} role). */
  public static ShardedSearches start(ActorSystem<?> system, NodeSettings s) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(SEARCH, ec -> SearchSupervisor.sharded(ec.getEntityId(),
            ctx -> new EnginePipeline(s.confDir(), s.dataDir(), s.runDir(), s.checkpointEvery(), ctx),
            Duration.ofSeconds(1), ec.getShard()))
        .withRole("worker")
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
    return new ShardedSearches(sharding, s, topic);
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
  public CompletionStage<StatusReply<Done>> control(String id, SearchControl.Kind kind, String reason) {
    EntityRef<SearchSupervisor.Command> e = entity(id);
    return switch (kind) {
      case CANCEL -> e.ask(r -> new SearchSupervisor.Cancel(reason, r), ASK);
      case PAUSE -> e.ask(SearchSupervisor.Pause::new, ASK);
      case RESUME -> e.ask(SearchSupervisor.Resume::new, ASK);
    };
  }
}
