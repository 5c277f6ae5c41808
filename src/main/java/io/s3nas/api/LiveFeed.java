package io.s3nas.api;

import io.s3nas.actors.LiveProgress;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/**
 * A search's per-step progress as a stream, from the actor system's event stream where the
 * search's supervisor publishes it: only the process running the search has it (the journal holds
 * progress at checkpoints only). A slow client loses the oldest steps, never slows the search.
 */
public final class LiveFeed {
  static final int BUFFER = 256;

  private LiveFeed() {}

  public static Source<LiveProgress, NotUsed> of(ActorSystem<?> system, String searchId) {
    return of(ref -> system.eventStream().tell(new EventStream.Subscribe<>(LiveProgress.class, ref)),
        ref -> system.eventStream().tell(new EventStream.Unsubscribe<>(ref)), searchId);
  }

  /**
   * The steps of {@code searchId} from any publisher: {@code subscribe} is told the stream's actor
   * when the stream starts, {@code unsubscribe} when it ends (a cluster node's distributed topic).
   */
  public static Source<LiveProgress, NotUsed> of(java.util.function.Consumer<ActorRef<LiveProgress>> subscribe,
                                                 java.util.function.Consumer<ActorRef<LiveProgress>> unsubscribe,
                                                 String searchId) {
    Source<LiveProgress, ActorRef<LiveProgress>> steps = ActorSource.actorRef(m -> false, m -> Optional.empty(),
        BUFFER, OverflowStrategy.dropHead());
    return steps.watchTermination((ref, done) -> {
      subscribe.accept(ref);
      done.whenComplete((d, e) -> unsubscribe.accept(ref));
      return NotUsed.getInstance();
    }).filter(p -> p.searchId().equals(searchId));
  }
}
