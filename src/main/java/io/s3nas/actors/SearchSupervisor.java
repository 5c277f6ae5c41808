package io.s3nas.actors;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One search as an event-sourced entity (docs/design.md, "Actors"): commands from users (submit, pause,
 * resume, cancel, status) and from the stage workers (progress and completions), events for every
 * step of the pipeline, and states whose transitions {@link SearchStates} folds. Large things (weights, thresholds,
 * optimiser state) are never in events: a progress event carries the content address of a
 * checkpoint that was synced before the event was persisted.
 *
 * <p>States: {@link Empty} → {@link Running} (with its stage, paused flag and the latest evidence)
 * → {@link Finished} (completed, failed or cancelled). Commands a state has no handler for are
 * rejected with an error reply and persist nothing.
 */
public final class SearchSupervisor
    extends EventSourcedBehaviorWithEnforcedReplies<SearchSupervisor.Command, SearchSupervisor.Event, SearchSupervisor.State> {

  // ---- commands ----------------------------------------------------------------------------------

  /** What the entity accepts. */
  public sealed interface Command extends CborSerializable {}

  /** A command answered with an acknowledgement or an error (every command but {@link GetStatus}). */
  public interface Acknowledged {
    ActorRef<StatusReply<Done>> replyTo();
  }

  public record Submit(SearchSpec spec, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  /** A new search that starts from another's warm-up end ({@link ForkOrigin}; docs/design.md, "Forks"). */
  public record Fork(SearchSpec spec, ForkOrigin origin, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  public record Pause(ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  public record Resume(ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  public record Cancel(String reason, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /**
   * A worker finished the latency table: the platform, the supernet's latency range, the budget and
   * target resolved to ms, and the relative uncertainty of the platform's estimates (NaN: unknown).
   */
  public record LatencyReady(String tableRef, double minMs, double maxMs, double budgetMs, double targetMs,
                             double uncertainty, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  /** A step's progress from a worker, published on the event stream and not persisted. */
  public record ReportLive(LiveProgress progress) implements Command {}

  /**
   * Stop this incarnation (Cluster Sharding's stop message, on passivation and hand-off): the stage
   * worker stops with it, and whatever it had done up to its last checkpoint is in the journal.
   */
  public record Stop() implements Command {}

  /** The supervisor's own timer: write what the running stage has cost since the last record. */
  public record RecordCost() implements Command {}

  /** Supernet progress at a checkpoint. */
  public record SupernetProgressed(long step, long totalSteps, String phase, double loss, double expectedMs,
                                   String checkpointRef, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  public record Derived(List<List<String>> blockStrings, String modelJson, double estimatedMs,
                        ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  /** The scaled network; {@code measuredMs} its whole-network measurement (NaN where not measured). */
  public record Scaled(List<List<String>> blockStrings, String modelJson, double width, double depth,
                       double resolution, double estimatedMs, double measuredMs, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  /** The post-processed network, and the checkpoint of its trained base that final training continues from. */
  public record PostProcessed(List<List<String>> blockStrings, String modelJson, List<String> keptChanges,
                              double estimatedMs, String warmStartRef, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  public record FinalTrainingProgressed(long step, long totalSteps, double loss, String checkpointRef,
                                        ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  public record Exported(String resultJson, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  /** A stage's work failed; {@code deterministic} failures fail the search instead of retrying. */
  public record WorkFailed(Stage stage, String reason, boolean deterministic, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  /**
   * A stage's worker stopped (death watch). Only the current worker's stop means it gave up; one
   * from before a restart of this entity was stopped by that restart and is ignored.
   */
  public record WorkerStopped(ActorRef<Void> worker, Stage stage) implements Command {}

  /**
   * A stage could not write (the disk is full): the search is suspended, its work kept, until it is
   * resumed.
   */
  public record WorkBlocked(Stage stage, String reason, ActorRef<StatusReply<Done>> replyTo)
      implements Command, Acknowledged {}

  /**
   * The reply to {@link GetStatus}; {@code budgetMs} and {@code targetMs} are resolved to ms once the
   * latency table is ready (0 before, and for a finished search: its result has them).
   */
  public record Status(String searchId, String state, Stage stage, boolean paused, long step, long totalSteps,
                       double lastLoss, double lastExpectedMs, List<List<String>> architecture, String checkpointRef,
                       String detail, double budgetMs, double targetMs, CostLedger cost) implements CborSerializable {
    public Status {
      cost = cost == null ? CostLedger.EMPTY : cost;
    }
  }

  // ---- events ------------------------------------------------------------------------------------

  /** What the journal holds, in the order the pipeline produced it. */
  public sealed interface Event extends CborSerializable {}

  /** A search submitted; {@code forkedFrom}: the search and checkpoint it forks (null: a search of its own). */
  public record SearchSubmitted(SearchSpec spec, long atMillis, ForkOrigin forkedFrom) implements Event {
    public SearchSubmitted(SearchSpec spec, long atMillis) {
      this(spec, atMillis, null);
    }
  }

  /**
   * The latency table is ready. {@code budgetMs} and {@code targetMs} are the spec's resolved to ms
   * (0 in events written before they were: then the spec's own); {@code uncertainty} the relative
   * band of the platform's estimates (NaN unknown).
   */
  public record LatencyTableReady(String tableRef, double minMs, double maxMs, long atMillis, double budgetMs,
                                  double targetMs, Double uncertainty) implements Event {}

  public record SupernetProgress(long step, long totalSteps, String phase, double loss, double expectedMs,
                                 String checkpointRef) implements Event {}

  public record ArchitectureDerived(List<List<String>> blockStrings, String modelJson, double estimatedMs,
                                    long atMillis) implements Event {}

  /** {@code measuredMs} is null in events written before scaling measured whole networks. */
  public record ScalingChosen(List<List<String>> blockStrings, String modelJson, double width, double depth,
                              double resolution, double estimatedMs, long atMillis, Double measuredMs)
      implements Event {}

  /** {@code warmStartRef}: the trained base's checkpoint final training continues from (null: from scratch). */
  public record PostProcessDecided(List<List<String>> blockStrings, String modelJson, List<String> keptChanges,
                                   double estimatedMs, long atMillis, String warmStartRef) implements Event {}

  public record FinalTrainingProgress(long step, long totalSteps, double loss, String checkpointRef, long atMillis)
      implements Event {}

  public record SearchCompleted(String resultJson) implements Event {}

  public record SearchFailed(Stage stage, String reason) implements Event {}

  public record SearchCancelled(String reason) implements Event {}

  public record SearchPaused() implements Event {}

  /**
   * Paused by the machine, not by a user: {@code stage} could not write ({@code reason}, the
   * operating system's words). A resume continues from the last checkpoint, as after a pause.
   */
  public record SearchSuspended(Stage stage, String reason, long atMillis) implements Event {}

  public record SearchResumed() implements Event {}

  /**
   * One stretch of a stage's work in one process (docs/design.md, "Cost ledger"): its wall and CPU
   * seconds and the training steps it covered, (fromStep, toStep]; written with each of the stage's
   * own events, when it is paused, and every {@code cost-record-seconds} while it runs.
   */
  public record CostIncurred(Stage stage, double wallSeconds, double cpuSeconds, long fromStep, long toStep,
                             long atMillis) implements Event {}

  /** The search's CPU seconds reached {@code max-cpu-hours}: it pauses (once). */
  public record CostLimitReached(double cpuSeconds, double limitSeconds, long atMillis) implements Event {}

  // ---- state -------------------------------------------------------------------------------------

  /** The entity's state; each kind applies its own events. */
  public sealed interface State extends CborSerializable {}

  /** No search submitted under this id yet. */
  public record Empty() implements State {}

  /**
   * A search in progress: its stage, whether it is paused, the latest progress, the architecture
   * of the last completed stage (block strings, and the whole model JSON the next stage starts from),
   * the budget and target resolved to ms ({@link LatencyTableReady}; 0 before it), the checkpoint
   * final training continues from, what the search has cost ({@link CostLedger}) and, for a fork,
   * where its supernet starts ({@link ForkOrigin}; null otherwise).
   */
  public record Running(SearchSpec spec, Stage stage, boolean paused, long step, long totalSteps, double lastLoss,
                        double lastExpectedMs, List<List<String>> architecture, String modelJson, String checkpointRef,
                        long stageStartedMillis, Map<String, Double> stageSeconds, double budgetMs, double targetMs,
                        String warmStartRef, String pausedReason, CostLedger cost, ForkOrigin forkedFrom)
      implements State {
    public Running {
      stageSeconds = Map.copyOf(stageSeconds);
      cost = cost == null ? CostLedger.EMPTY : cost; // snapshots written before the ledger existed
    }
  }

  /** A search that ended: completed (detail = result JSON), failed or cancelled (detail = reason). */
  public record Finished(SearchSpec spec, String outcome, List<List<String>> architecture, String detail,
                         CostLedger cost) implements State {
    public Finished {
      cost = cost == null ? CostLedger.EMPTY : cost;
    }
  }

  // ---- behavior ----------------------------------------------------------------------------------

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SearchSupervisor.class);
  private final String searchId;
  private final ActorContext<Command> ctx;
  private final CurrentStageWorker worker;
  private final CostMeter meter = new CostMeter();
  private final TimerScheduler<Command> timers;
  private static final String COST_TIMER = "cost";
  /** The shard that hosts this entity in a cluster (null in a single process): told when it may stop. */
  private final ActorRef<org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand> shard;
  private boolean recovering;

  private SearchSupervisor(String searchId, ActorContext<Command> ctx, TimerScheduler<Command> timers, Pipeline pipeline,
                           Duration minBackoff,
                           ActorRef<org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand> shard) {
    // a failed write (the journal briefly unreachable) stops the entity; it restarts with backoff,
    // recovers from the journal and re-issues its stage's work from the last checkpoint
    super(PersistenceId.of("Search", searchId), org.apache.pekko.actor.typed.SupervisorStrategy
        .restartWithBackoff(Duration.ofMillis(500), Duration.ofSeconds(30), 0.2).withMaxRestarts(20));
    this.searchId = searchId;
    this.ctx = ctx;
    this.shard = shard;
    this.timers = timers;
    this.worker = new CurrentStageWorker(searchId, ctx, pipeline, minBackoff);
  }

  /** The journal's persistence id of a search. */
  public static String persistenceId(String searchId) {
    return PersistenceId.of("Search", searchId).id();
  }

  /** An entity that only records (no workers). */
  public static Behavior<Command> create(String searchId) {
    return create(searchId, Pipeline.NONE, Duration.ofSeconds(1));
  }

  /** An entity whose pipeline is made once its actor system exists. */
  public static Behavior<Command> create(String searchId,
                                         java.util.function.Function<ActorContext<Command>, Pipeline> pipeline,
                                         Duration minBackoff) {
    return Behaviors.withTimers(t -> Behaviors.setup(ctx -> new SearchSupervisor(searchId, ctx, t, pipeline.apply(ctx),
        minBackoff, null)));
  }

  /**
   * A Cluster Sharding entity (docs/cluster.md): as {@link #create(String, java.util.function.Function, Duration)},
   * and it asks its shard to passivate it once the search has ended or is paused, so remember-entities
   * restarts only searches that still run (a node's loss restarts them elsewhere, from the journal).
   */
  public static Behavior<Command> sharded(String searchId,
                                          java.util.function.Function<ActorContext<Command>, Pipeline> pipeline,
                                          Duration minBackoff,
                                          ActorRef<org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.ShardCommand> shard) {
    return Behaviors.withTimers(t -> Behaviors.setup(ctx -> new SearchSupervisor(searchId, ctx, t, pipeline.apply(ctx),
        minBackoff, shard)));
  }

  /** An entity that runs each stage's work from {@code pipeline} in a supervised worker. */
  public static Behavior<Command> create(String searchId, Pipeline pipeline, Duration minBackoff) {
    return Behaviors.withTimers(t -> Behaviors.setup(ctx -> new SearchSupervisor(searchId, ctx, t, pipeline, minBackoff,
        null)));
  }

  /**
   * After every persisted event and after recovery: a finished or paused search asks its shard (on a
   * cluster) to passivate it, and the worker is brought in line with the state
   * ({@link CurrentStageWorker}), which is how a restarted search re-issues its stage's work.
   */
  private void reconcile(State s) {
    // a search recovered paused stays up: the Resume that woke it may be the next message
    if (shard != null && (s instanceof Finished || (s instanceof Running r && r.paused() && !recovering))) {
      shard.tell(new org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.Passivate<>(ctx.getSelf()));
    }
    worker.reconcile(s);
    followCost(s);
  }

  /**
   * The cost meter follows the stage that runs: it starts with a stage (after recovery: from the
   * checkpoint the stage resumes at, so steps trained again count as replayed) and stops with a pause
   * or the end; while it runs, the timer writes its stretch every {@code cost-record-seconds}.
   */
  private void followCost(State s) {
    if (s instanceof Running r && !r.paused()) {
      if (!meter.measures(r.stage())) {
        // a fork's supernet, before its own first checkpoint, resumes at its source's warm-up end
        boolean forkStart = r.stage() == Stage.SUPERNET && r.step() == 0 && r.forkedFrom() != null;
        meter.start(r.stage(), forkStart ? r.forkedFrom().step() : r.step());
      }
      if (!timers.isTimerActive(COST_TIMER)) {
        timers.startTimerWithFixedDelay(COST_TIMER, new RecordCost(),
            Duration.ofMillis(Math.round(r.spec().cost().recordSeconds() * 1000)));
      }
    } else {
      meter.stop();
      timers.cancel(COST_TIMER);
    }
  }

  /** The running stage's cost since the last record, then {@code e}: how every event of a running search is written. */
  private List<Event> withCost(Event e) {
    CostIncurred c = meter.take();
    return c == null ? List.of(e) : List.of(c, e);
  }

  private ReplyEffect<Event, State> onRecordCost(Running s) {
    CostIncurred c = s.paused() ? null : meter.take();
    if (c == null) {
      return Effect().noReply();
    }
    double cpu = s.cost().cpuSeconds() + c.cpuSeconds();
    double limit = s.spec().cost().maxCpuSeconds();
    List<Event> events = !s.cost().limitReached() && cpu >= limit
        ? List.of(c, new CostLimitReached(cpu, limit, System.currentTimeMillis())) : List.of(c);
    return Effect().persist(events).thenRun(this::reconcile).thenNoReply();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), st -> {
      // which node runs which search: the cluster's operators (and its failover test) read this line
      LOG.info("search {} recovered on {}", searchId, ctx.getSystem().address());
      recovering = true;
      try {
        // after a restart (a journal write failed) the old incarnation's worker has been stopped with
        // it: forget it (and its death, which would otherwise read as a worker that gave up) so the
        // stage runs again from its last checkpoint
        worker.forget();
        reconcile(st);
      } finally {
        recovering = false;
      }
    }).build();
  }

  @Override
  public State emptyState() {
    return new Empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // snapshots keep recovery fast; events are never deleted (the journal is the history)
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  /** Also a snapshot at every milestone: a stage's decision, and the search's end. */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof LatencyTableReady || event instanceof ArchitectureDerived || event instanceof ScalingChosen
        || event instanceof PostProcessDecided || event instanceof SearchCompleted || event instanceof SearchFailed
        || event instanceof SearchCancelled;
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();
    b.forStateType(Empty.class)
        .onCommand(Submit.class, (s, c) -> Effect()
            .persist(new SearchSubmitted(c.spec(), System.currentTimeMillis())).thenRun(this::reconcile)
            .thenReply(c.replyTo(), st -> StatusReply.ack()))
        .onCommand(Fork.class, (s, c) -> Effect()
            .persist(new SearchSubmitted(c.spec(), System.currentTimeMillis(), c.origin())).thenRun(this::reconcile)
            .thenReply(c.replyTo(), st -> StatusReply.ack()))
        .onCommand(GetStatus.class, (s, c) -> Effect().reply(c.replyTo(), status(s)))
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand(this::rejectNoSearch);
    b.forStateType(Running.class)
        .onCommand(Submit.class, (s, c) -> reject(c.replyTo(), "search " + searchId + " is already running"))
        .onCommand(Fork.class, (s, c) -> reject(c.replyTo(), "search " + searchId + " is already running"))
        .onCommand(GetStatus.class, (s, c) -> Effect().reply(c.replyTo(), status(s)))
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onCommand(ReportLive.class, (s, c) -> {
          meter.reached(c.progress().stage(), c.progress().step());
          return Effect().none()
              .thenRun(st -> ctx.getSystem().eventStream().tell(new EventStream.Publish<>(c.progress()))).thenNoReply();
        })
        .onCommand(RecordCost.class, (s, c) -> onRecordCost(s))
        .onCommand(Pause.class, this::onPause)
        .onCommand(Resume.class, this::onResume)
        .onCommand(Cancel.class, (s, c) -> Effect().persist(withCost(new SearchCancelled(c.reason()))).thenRun(this::reconcile)
            .thenReply(c.replyTo(), st -> StatusReply.ack()))
        .onCommand(LatencyReady.class, (s, c) -> inStage(s, Stage.LATENCY_TABLE, c.replyTo(),
            new LatencyTableReady(c.tableRef(), c.minMs(), c.maxMs(), System.currentTimeMillis(), c.budgetMs(),
                c.targetMs(), c.uncertainty())))
        .onCommand(SupernetProgressed.class, (s, c) -> inStage(s, Stage.SUPERNET, c.replyTo(),
            new SupernetProgress(c.step(), c.totalSteps(), c.phase(), c.loss(), c.expectedMs(), c.checkpointRef())))
        .onCommand(Derived.class, (s, c) -> inStage(s, Stage.SUPERNET, c.replyTo(),
            new ArchitectureDerived(c.blockStrings(), c.modelJson(), c.estimatedMs(), System.currentTimeMillis())))
        .onCommand(Scaled.class, (s, c) -> inStage(s, Stage.SCALING, c.replyTo(),
            new ScalingChosen(c.blockStrings(), c.modelJson(), c.width(), c.depth(), c.resolution(), c.estimatedMs(),
                System.currentTimeMillis(), c.measuredMs())))
        .onCommand(PostProcessed.class, (s, c) -> inStage(s, Stage.POST_PROCESSING, c.replyTo(),
            new PostProcessDecided(c.blockStrings(), c.modelJson(), c.keptChanges(), c.estimatedMs(),
                System.currentTimeMillis(), c.warmStartRef())))
        .onCommand(FinalTrainingProgressed.class, (s, c) -> inStage(s, Stage.FINAL_TRAINING, c.replyTo(),
            new FinalTrainingProgress(c.step(), c.totalSteps(), c.loss(), c.checkpointRef(),
                System.currentTimeMillis())))
        .onCommand(Exported.class, (s, c) -> inStage(s, Stage.EXPORT, c.replyTo(), new SearchCompleted(c.resultJson())))
        .onCommand(WorkFailed.class, this::onWorkFailed)
        .onCommand(WorkerStopped.class, (s, c) -> worker.is(c.worker())
            ? onWorkFailed(s, new WorkFailed(c.stage(), "the " + c.stage() + " worker stopped after repeated failures",
                true, ctx.getSystem().ignoreRef()))
            : Effect().noReply())
        .onCommand(WorkBlocked.class, this::onWorkBlocked);
    b.forStateType(Finished.class)
        .onCommand(GetStatus.class, (s, c) -> Effect().reply(c.replyTo(), status(s)))
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand((s, c) -> rejectAny(c, "search " + searchId + " has " + s.outcome()));
    return b.build();
  }

  private ReplyEffect<Event, State> inStage(Running s, Stage expected, ActorRef<StatusReply<Done>> replyTo, Event e) {
    if (s.stage() != expected) {
      return reject(replyTo, "search " + searchId + " is at " + s.stage() + ", not " + expected);
    }
    return Effect().persist(withCost(e)).thenRun(this::reconcile).thenReply(replyTo, st -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onPause(Running s, Pause c) {
    if (s.paused()) {
      return Effect().reply(c.replyTo(), StatusReply.ack());
    }
    return Effect().persist(withCost(new SearchPaused())).thenRun(this::reconcile)
        .thenReply(c.replyTo(), st -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onResume(Running s, Resume c) {
    if (!s.paused()) {
      return Effect().reply(c.replyTo(), StatusReply.ack());
    }
    return Effect().persist(new SearchResumed()).thenRun(this::reconcile)
        .thenReply(c.replyTo(), st -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onWorkFailed(Running s, WorkFailed c) {
    if (c.stage() != s.stage() || s.paused()) {
      // a late report from the worker of a stage that has since completed, or of a search that has
      // since been paused or suspended (its worker's stop is expected)
      return Effect().reply(c.replyTo(), StatusReply.ack());
    }
    if (!c.deterministic()) {
      // a transient failure: the worker's supervisor restarts it from the last checkpoint
      return Effect().reply(c.replyTo(), StatusReply.ack());
    }
    return Effect().persist(withCost(new SearchFailed(c.stage(), c.reason()))).thenRun(this::reconcile)
        .thenReply(c.replyTo(), st -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onWorkBlocked(Running s, WorkBlocked c) {
    if (c.stage() != s.stage() || s.paused()) {
      return Effect().reply(c.replyTo(), StatusReply.ack()); // late, or already stopped
    }
    // stopping here keeps every checkpoint and event; retrying would only fail again until space is freed
    return Effect().persist(withCost(new SearchSuspended(c.stage(), c.reason(), System.currentTimeMillis())))
        .thenRun(this::reconcile).thenReply(c.replyTo(), st -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> rejectNoSearch(State s, Command c) {
    return rejectAny(c, "no search " + searchId + " has been submitted");
  }

  private ReplyEffect<Event, State> rejectAny(Command c, String why) {
    ActorRef<StatusReply<Done>> to = replyTo(c);
    return to == null ? Effect().noReply() : reject(to, why);
  }

  private ReplyEffect<Event, State> reject(ActorRef<StatusReply<Done>> replyTo, String why) {
    return Effect().reply(replyTo, StatusReply.error(why));
  }

  private static ActorRef<StatusReply<Done>> replyTo(Command c) {
    return c instanceof Acknowledged a ? a.replyTo() : null;
  }

  private Status status(State s) {
    return SearchStates.status(searchId, s);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(SearchStates::apply);
  }
}
