package io.s3nas.actors;

import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * Requests to a running search from another process ({@code s3nas cancel|pause ID}): each is an
 * event of this small entity ({@code SearchControl|<id>}), written by the requesting process; the
 * process running the search follows these events through Persistence Query and hands them to its
 * supervisor. The search's own journal keeps exactly one writer.
 */
public final class SearchControl
    extends EventSourcedBehaviorWithEnforcedReplies<SearchControl.Request, SearchControl.Requested, SearchControl.Count> {

  /** What can be asked. */
  public enum Kind { CANCEL, PAUSE, RESUME }

  /** A request and where its acknowledgement goes. */
  public record Request(Kind kind, String reason, ActorRef<StatusReply<Done>> replyTo) implements CborSerializable {}

  /** A persisted request. */
  public record Requested(Kind kind, String reason, long atMillis) implements CborSerializable {}

  /** How many requests were made (the entity needs no more state). */
  public record Count(long n) implements CborSerializable {}

  public static String persistenceId(String searchId) {
    return PersistenceId.of("SearchControl", searchId).id();
  }

  private SearchControl(String searchId) {
    super(PersistenceId.of("SearchControl", searchId));
  }

  public static Behavior<Request> create(String searchId) {
    return new SearchControl(searchId);
  }

  @Override
  public Count emptyState() {
    return new Count(0);
  }

  @Override
  public CommandHandlerWithReply<Request, Requested, Count> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState().onCommand(Request.class, (s, r) ->
        Effect().persist(new Requested(r.kind(), r.reason(), System.currentTimeMillis()))
            .thenReply(r.replyTo(), st -> StatusReply.ack())).build();
  }

  @Override
  public EventHandler<Count, Requested> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> new Count(s.n() + 1));
  }

  private record Written(ActorRef<StatusReply<Done>> replyTo, StatusReply<Done> reply) {}

  /**
   * Takes one request, has the entity write it, replies and stops with the entity: a long-running
   * process (the HTTP server) keeps no writer of a search's control events alive between requests,
   * so {@code s3nas cancel} from another process is never a second concurrent writer of the id.
   */
  @SuppressWarnings("unchecked")
  public static Behavior<Request> oneShot(String searchId) {
    Class<StatusReply<Done>> replyClass = (Class<StatusReply<Done>>) (Class<?>) StatusReply.class;
    return Behaviors.<Object>setup(ctx -> {
      ActorRef<Request> entity = ctx.spawnAnonymous(create(searchId));
      return Behaviors.receiveMessage(m -> {
        if (m instanceof Request r) {
          ctx.ask(replyClass, entity, Duration.ofSeconds(30), ref -> new Request(r.kind(), r.reason(), ref),
              (reply, err) -> new Written(r.replyTo(), reply != null ? reply : StatusReply.error(err)));
          return Behaviors.same();
        }
        Written w = (Written) m;
        w.replyTo().tell(w.reply());
        return Behaviors.stopped();
      });
    }).narrow();
  }

  /** The supervisor command a request becomes. */
  public static SearchSupervisor.Command toCommand(Requested r, ActorRef<StatusReply<Done>> noReply) {
    return switch (r.kind()) {
      case CANCEL -> new SearchSupervisor.Cancel(r.reason(), noReply);
      case PAUSE -> new SearchSupervisor.Pause(noReply);
      case RESUME -> new SearchSupervisor.Resume(noReply);
    };
  }
}
