package io.s3nas.actors;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Reads searches straight from the journal through Persistence Query, so {@code s3nas list},
 * {@code status} and {@code watch} work from another process while a search runs (the H2 file is
 * in auto-server mode): the ids, a search's state folded from its events with the entity's own
 * event handler, and its live event stream.
 */
public final class SearchJournal {
  private static final String PREFIX = SearchSupervisor.persistenceId("");

  private final JdbcReadJournal journal;
  private final ActorSystem<?> system;

  public SearchJournal(ActorSystem<?> system) {
    this.journal = PersistenceQuery.get(system).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    this.system = system;
  }

  /** Every search id in the journal. */
  public CompletionStage<List<String>> ids() {
    return journal.currentPersistenceIds().filter(p -> p.startsWith(PREFIX)).map(p -> p.substring(PREFIX.length()))
        .runWith(Sink.seq(), system);
  }

  /** A search's current state, folded from all its events. */
  public CompletionStage<SearchSupervisor.State> state(String searchId) {
    return journal.currentEventsByPersistenceId(SearchSupervisor.persistenceId(searchId), 0, Long.MAX_VALUE)
        .runFold((SearchSupervisor.State) new SearchSupervisor.Empty(),
            (s, env) -> SearchStates.apply(s, (SearchSupervisor.Event) env.event()), system);
  }

  /** A search's events so far, in order. */
  public CompletionStage<List<SearchSupervisor.Event>> events(String searchId) {
    return journal.currentEventsByPersistenceId(SearchSupervisor.persistenceId(searchId), 0, Long.MAX_VALUE)
        .map(env -> (SearchSupervisor.Event) env.event()).runWith(Sink.seq(), system);
  }

  /** The control requests for a search made from now on (others processes' cancel, pause, resume). */
  public CompletionStage<Done> followControl(String searchId, long fromSequenceNr,
                                             Consumer<SearchControl.Requested> onRequest) {
    return journal.eventsByPersistenceId(SearchControl.persistenceId(searchId), fromSequenceNr, Long.MAX_VALUE)
        .map(env -> (SearchControl.Requested) env.event()).runForeach(onRequest::accept, system);
  }

  /** How many control requests a search has had (a follower starts after them). */
  public CompletionStage<Long> controlCount(String searchId) {
    return journal.currentLastSequenceNumberByPersistenceId(SearchControl.persistenceId(searchId))
        .thenApply(o -> o.orElse(0L));
  }

  /** The spec a search was submitted with, if it was. */
  public CompletionStage<java.util.Optional<SearchSpec>> spec(String searchId) {
    return events(searchId).thenApply(es -> es.stream().filter(SearchSupervisor.SearchSubmitted.class::isInstance)
        .map(e -> ((SearchSupervisor.SearchSubmitted) e).spec()).findFirst());
  }

  /** An event with its sequence number in the search's journal (from 1: what {@code fork --at} names). */
  public record Numbered(long seq, SearchSupervisor.Event event) {}

  /** Every event of a search as it is persisted (history first), until the search ends. */
  public CompletionStage<Done> follow(String searchId, Consumer<Numbered> onEvent) {
    return eventStream(searchId).runForeach(onEvent::accept, system);
  }

  /** The events {@link #follow} hands over, numbered, as a stream (the HTTP event stream serves it). */
  public Source<Numbered, NotUsed> eventStream(String searchId) {
    return journal.eventsByPersistenceId(SearchSupervisor.persistenceId(searchId), 0, Long.MAX_VALUE)
        .map(env -> new Numbered(env.sequenceNr(), (SearchSupervisor.Event) env.event()))
        .takeWhile(n -> !(n.event() instanceof SearchSupervisor.SearchCompleted
            || n.event() instanceof SearchSupervisor.SearchFailed
            || n.event() instanceof SearchSupervisor.SearchCancelled), true);
  }

  /** A search's state folded so far and the last event folded into it. */
  private record Folded(SearchSupervisor.State state, long sequenceNr) {}

  /**
   * The read model behind {@link #statuses}: each search's state as far as it was folded, so a
   * listing reads only the events persisted since the last one instead of every event again.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, Folded> folded =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** A search's current state from the read model, reading only its new events. */
  public CompletionStage<SearchSupervisor.State> currentState(String searchId) {
    Folded from = folded.getOrDefault(searchId, new Folded(new SearchSupervisor.Empty(), 0));
    return journal.currentEventsByPersistenceId(SearchSupervisor.persistenceId(searchId), from.sequenceNr() + 1,
            Long.MAX_VALUE)
        .runFold(from, (f, env) -> new Folded(SearchStates.apply(f.state(), (SearchSupervisor.Event) env.event()),
            env.sequenceNr()), system)
        .thenApply(f -> {
          folded.put(searchId, f);
          return f.state();
        });
  }

  /**
   * Every search's status, in id order. A search whose events cannot be read (written by a newer
   * version, or damaged) is listed as {@code unreadable} with the reason; the others are unaffected.
   */
  public CompletionStage<List<SearchSupervisor.Status>> statuses() {
    return ids().thenCompose(ids -> Source.from(ids)
        .mapAsync(1, id -> currentState(id).thenApply(st -> SearchStates.status(id, st))
            .exceptionally(e -> unreadable(id, e)))
        .runWith(Sink.seq(), system));
  }

  private static SearchSupervisor.Status unreadable(String id, Throwable e) {
    Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    return new SearchSupervisor.Status(id, "unreadable", null, false, 0, 0, Double.NaN, Double.NaN, List.of(), null,
        "its events cannot be read: " + c.getClass().getSimpleName() + ": " + c.getMessage(), 0, 0, null);
  }
}
