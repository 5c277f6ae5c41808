package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.SearchSupervisor.Command;
import io.s3nas.actors.SearchSupervisor.Event;
import io.s3nas.actors.SearchSupervisor.State;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The search entity's protocol, events, state and recovery; the kit also checks that every
 * command, event, reply and state serializes with the configured (Jackson CBOR) serializer.
 */
class SearchSupervisorTest {
  static final ActorTestKit TESTKIT = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  static final SearchSpec SPEC = new SearchSpec("fashion_mixconv_2_3_4_3_4", "fashion-mnist", null, "cpu-nd4j", 9.0,
      6.5, 0.5, 3, 8, 64, 8000, 1);

  static final List<List<String>> ARCH = List.of(List.of("r1_k3_s11_e2_i16_o16_c0"));

  EventSourcedBehaviorTestKit<Command, Event, State> kit;
  /** Each test its own search: an entity of an earlier test may still run its cost timer. */
  static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger();
  String id;

  @BeforeEach
  void fresh() {
    id = "s" + IDS.incrementAndGet();
    kit = EventSourcedBehaviorTestKit.create(TESTKIT.system(), SearchSupervisor.create(id));
  }

  @AfterAll
  static void stop() {
    TESTKIT.shutdownTestKit();
  }

  EventSourcedBehaviorTestKit.CommandResultWithReply<Command, Event, State, StatusReply<Done>> ask(
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<StatusReply<Done>>, Command> c) {
    return kit.runCommand(c);
  }

  SearchSupervisor.Status status() {
    return kit.<SearchSupervisor.Status>runCommand(SearchSupervisor.GetStatus::new).reply();
  }

  /** A running search writes its stage's cost before each event: the event is the last one. */
  static Event last(List<Event> events) {
    return events.get(events.size() - 1);
  }

  @Test
  void everyStageEventCarriesItsCostAndARestartedStageCountsTheStepsItTrainsAgain() {
    ask(r -> new SearchSupervisor.Submit(SPEC, r));
    var latency = ask(r -> new SearchSupervisor.LatencyReady("table-sha", 4.1, 12.3, 9.0, 6.5, 0.05, r));
    assertEquals(2, latency.events().size());
    SearchSupervisor.CostIncurred c = (SearchSupervisor.CostIncurred) latency.events().get(0);
    assertEquals(Stage.LATENCY_TABLE, c.stage());
    assertTrue(c.wallSeconds() > 0 && c.cpuSeconds() >= 0);
    for (long step = 1; step <= 150; step++) { // live steps: the worker trained to 150 ...
      long st = step;
      kit.runCommand(new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.SUPERNET, "warmup", st, 400, 2, 8)));
    }
    ask(r -> new SearchSupervisor.SupernetProgressed(100, 400, "warmup", 2.1, 8.2, "ckpt-100", r)); // ... checkpoint 100
    kit.restart(); // the process dies: the stage resumes from the checkpoint at 100
    kit.runCommand(new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.SUPERNET, "warmup", 200, 400, 2, 8)));
    ask(r -> new SearchSupervisor.SupernetProgressed(200, 400, "warmup", 2.0, 8.1, "ckpt-200", r));
    CostLedger.StageCost supernet = status().cost().stages().get("supernet");
    assertEquals(50, supernet.replayedSteps(), "steps 101-150 were trained twice");
    assertEquals(200, supernet.stepReached());
    assertTrue(status().cost().stages().containsKey("latency_table"));
  }

  @Test
  void maxCpuHoursPausesTheSearchOnceWithItsReason() throws Exception {
    SearchSpec tight = new SearchSpec(SPEC.supernet(), SPEC.dataset(), SPEC.dataPath(), SPEC.hardware(), SPEC.budgetMs(),
        SPEC.searchTargetMs(), SPEC.warmupEpochs(), SPEC.searchEpochs(), SPEC.finalEpochs(), SPEC.batch(),
        SPEC.trainLimit(), SPEC.seed(), 0, 0, SPEC.settings(), null, new CostLimits(1e-9, 0.05));
    ask(r -> new SearchSupervisor.Submit(tight, r));
    long until = System.currentTimeMillis() + 10_000;
    while (!status().paused() && System.currentTimeMillis() < until) {
      Thread.sleep(20);
    }
    SearchSupervisor.Status s = status();
    assertTrue(s.paused(), "paused by its CPU limit");
    assertTrue(s.detail().startsWith("max-cpu-hours reached"), s.detail());
    assertTrue(s.cost().limitReached() && s.cost().cpuSeconds() > 0);
    // a user resumes it: it runs on (the limit paused it once)
    ask(SearchSupervisor.Resume::new);
    Thread.sleep(300);
    assertTrue(!status().paused(), "still running after the resume");
  }

  @Test
  void runsThroughEveryStageAndRecoversItsState() {
    var submitted = ask(r -> new SearchSupervisor.Submit(SPEC, r));
    assertTrue(submitted.reply().isSuccess());
    assertEquals(SPEC, ((SearchSupervisor.SearchSubmitted) submitted.event()).spec());
    assertEquals(Stage.LATENCY_TABLE, status().stage());
    ask(r -> new SearchSupervisor.LatencyReady("table-sha", 4.1, 12.3, 9.0, 6.5, 0.05, r));
    var p = ask(r -> new SearchSupervisor.SupernetProgressed(100, 392, "warmup", 2.1, 8.2, "ckpt-100", r));
    assertInstanceOf(SearchSupervisor.SupernetProgress.class, last(p.events()));
    SearchSupervisor.Status s = status();
    assertEquals(Stage.SUPERNET, s.stage());
    assertEquals(100, s.step());
    assertEquals("ckpt-100", s.checkpointRef());
    ask(r -> new SearchSupervisor.Derived(ARCH, "{}", 6.4, r));
    assertEquals(Stage.SCALING, status().stage());
    ask(r -> new SearchSupervisor.Scaled(ARCH, "{}", 1.2, 1.1, 1.0, 8.9, Double.NaN, r));
    ask(r -> new SearchSupervisor.PostProcessed(ARCH, "{}", List.of("SE 0.25 on stage 4"), 8.95, null, r));
    assertEquals(Stage.FINAL_TRAINING, status().stage());
    ask(r -> new SearchSupervisor.FinalTrainingProgressed(200, 400, 0.9, "ckpt-f200", r));
    assertEquals(Stage.FINAL_TRAINING, status().stage());
    ask(r -> new SearchSupervisor.FinalTrainingProgressed(400, 400, 0.5, "ckpt-f400", r));
    assertEquals(Stage.EXPORT, status().stage());
    var done = ask(r -> new SearchSupervisor.Exported("{\"top1\": 0.93}", r));
    assertInstanceOf(SearchSupervisor.SearchCompleted.class, last(done.events()));
    assertEquals("completed", status().state());
    kit.restart();
    SearchSupervisor.Status after = status();
    assertEquals("completed", after.state());
    assertEquals(ARCH, after.architecture());
    assertEquals("{\"top1\": 0.93}", after.detail());
  }

  @Test
  void aFullDiskSuspendsTheSearchAndAResumeClearsIt() {
    ask(r -> new SearchSupervisor.Submit(SPEC, r));
    ask(r -> new SearchSupervisor.LatencyReady("t", 4.1, 12.3, 9.0, 6.5, 0.05, r));
    var blocked = ask(r -> new SearchSupervisor.WorkBlocked(Stage.SUPERNET, "/ck/x.tmp: No space left on device", r));
    assertInstanceOf(SearchSupervisor.SearchSuspended.class, last(blocked.events()));
    SearchSupervisor.Status s = status();
    assertTrue(s.paused() && s.detail().contains("No space left on device") && s.detail().contains("SUPERNET"),
        s.toString());
    // the stopped worker's late report neither fails the search nor suspends it twice
    assertTrue(ask(r -> new SearchSupervisor.WorkFailed(Stage.SUPERNET, "stopped", true, r)).hasNoEvents());
    assertTrue(ask(r -> new SearchSupervisor.WorkBlocked(Stage.SUPERNET, "again", r)).hasNoEvents());
    kit.restart();
    assertTrue(status().paused(), "suspended after recovery too");
    ask(SearchSupervisor.Resume::new);
    s = status();
    assertTrue(!s.paused() && s.detail() == null && s.stage() == Stage.SUPERNET, s.toString());
  }

  @Test
  void everyMilestoneIsSnapshotted() {
    var snapshots = kit.snapshotTestKit().orElseThrow();
    String pid = SearchSupervisor.persistenceId(id);
    ask(r -> new SearchSupervisor.Submit(SPEC, r));
    ask(r -> new SearchSupervisor.LatencyReady("table-sha", 4.1, 12.3, 9.0, 6.5, 0.05, r));
    assertEquals(Stage.SUPERNET, snapshots.expectNextPersistedClass(pid, SearchSupervisor.Running.class).stage());
    ask(r -> new SearchSupervisor.SupernetProgressed(100, 392, "search", 2.1, 8.2, "ckpt-100", r));
    snapshots.expectNothingPersisted(pid, java.time.Duration.ofMillis(200));
    ask(r -> new SearchSupervisor.Derived(ARCH, "{}", 6.4, r));
    SearchSupervisor.Running derived = snapshots.expectNextPersistedClass(pid, SearchSupervisor.Running.class);
    assertEquals(Stage.SCALING, derived.stage());
    assertEquals(ARCH, derived.architecture());
  }

  @Test
  void rejectedCommandsPersistNothing() {
    var none = ask(r -> new SearchSupervisor.Pause(r));
    assertTrue(none.reply().isError() && none.hasNoEvents());
    ask(r -> new SearchSupervisor.Submit(SPEC, r));
    var again = ask(r -> new SearchSupervisor.Submit(SPEC, r));
    assertTrue(again.reply().isError() && again.hasNoEvents());
    assertTrue(again.reply().getError().getMessage().contains("already running"));
    var early = ask(r -> new SearchSupervisor.Scaled(ARCH, "{}", 1, 1, 1, 1, Double.NaN, r));
    assertTrue(early.reply().isError() && early.hasNoEvents(), "scaling is not the current stage");
    assertTrue(early.reply().getError().getMessage().contains("LATENCY_TABLE"));
  }

  @Test
  void pauseResumeAndCancel() {
    ask(r -> new SearchSupervisor.Submit(SPEC, r));
    assertInstanceOf(SearchSupervisor.SearchPaused.class, last(ask(SearchSupervisor.Pause::new).events()));
    assertTrue(status().paused());
    assertTrue(ask(SearchSupervisor.Pause::new).hasNoEvents(), "pausing twice changes nothing");
    assertInstanceOf(SearchSupervisor.SearchResumed.class, ask(SearchSupervisor.Resume::new).event());
    assertTrue(!status().paused());
    ask(r -> new SearchSupervisor.Cancel("user asked", r));
    assertEquals("cancelled", status().state());
    var late = ask(r -> new SearchSupervisor.LatencyReady("t", 1, 2, 9.0, 6.5, 0.05, r));
    assertTrue(late.reply().isError() && late.hasNoEvents());
  }

  @Test
  void deterministicFailuresFailTheSearchTransientOnesDoNot() {
    ask(r -> new SearchSupervisor.Submit(SPEC, r));
    var transient_ = ask(r -> new SearchSupervisor.WorkFailed(Stage.LATENCY_TABLE, "node lost", false, r));
    assertTrue(transient_.reply().isSuccess() && transient_.hasNoEvents());
    var fatal = ask(r -> new SearchSupervisor.WorkFailed(Stage.LATENCY_TABLE, "table lacks Conv2D/k3", true, r));
    assertInstanceOf(SearchSupervisor.SearchFailed.class, last(fatal.events()));
    SearchSupervisor.Status s = status();
    assertEquals("failed", s.state());
    assertTrue(s.detail().contains("table lacks"));
  }

  @Test
  void aFailedJournalWriteRestartsTheEntityWhichThenContinuesWhereItWas() throws Exception {
    assertTrue(ask(r -> new SearchSupervisor.Submit(SPEC, r)).reply().isSuccess());
    // this entity's next write only: another test's entity, still alive in the shared system, may write
    // its cost record in between and would take an unaddressed failure (seen once under a loaded suite)
    kit.persistenceTestKit().failNextPersisted(SearchSupervisor.persistenceId(id));
    org.junit.jupiter.api.Assertions.assertThrows(Throwable.class,
        () -> ask(r -> new SearchSupervisor.LatencyReady("t", 4, 12, 9.0, 6.5, 0.05, r)));
    // restarted with backoff and recovered from the journal: the write that failed is simply asked again
    long deadline = System.nanoTime() + 20_000_000_000L;
    SearchSupervisor.Status st = null;
    while (System.nanoTime() < deadline) {
      try {
        st = status();
        break;
      } catch (Throwable restarting) {
        Thread.sleep(200);
      }
    }
    assertEquals(Stage.LATENCY_TABLE, st.stage(), "recovered where it was");
    assertTrue(ask(r -> new SearchSupervisor.LatencyReady("t", 4, 12, 9.0, 6.5, 0.05, r)).reply().isSuccess());
    assertEquals(Stage.SUPERNET, status().stage());
  }
}
