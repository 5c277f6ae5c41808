package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The supervisor drives a search through its stages with supervised workers. */
class OrchestrationTest {
  static final ActorTestKit KIT = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
      .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config()).withFallback(ConfigFactory.load()));

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  static final List<List<String>> ARCH = List.of(List.of("r1_k3_s11_e2_i16_o16_c0"));

  /** Each stage reports one progress step (where it has progress) and completes at once. */
  static StageWorker.Job<SearchSupervisor.Command> quick(SearchSupervisor.Running st, ActorRef<SearchSupervisor.Command> self) {
    ActorRef<org.apache.pekko.pattern.StatusReply<org.apache.pekko.Done>> none = KIT.system().ignoreRef();
    return cancelled -> switch (st.stage()) {
      case LATENCY_TABLE -> new SearchSupervisor.LatencyReady("t", 1, 9, 9.0, 6.5, 0.05, none);
      case SUPERNET -> {
        self.tell(new SearchSupervisor.SupernetProgressed(5, 10, "warmup", 1.0, 8.0, "c5", none));
        yield new SearchSupervisor.Derived(ARCH, "{}", 6.0, none);
      }
      case SCALING -> new SearchSupervisor.Scaled(ARCH, "{}", 1.1, 1.0, 1.0, 8.5, Double.NaN, none);
      case POST_PROCESSING -> new SearchSupervisor.PostProcessed(ARCH, "{}", List.of(), 8.5, null, none);
      case FINAL_TRAINING -> new SearchSupervisor.FinalTrainingProgressed(10, 10, 0.3, "f10", none);
      case EXPORT -> new SearchSupervisor.Exported("{\"top1\": 0.9}", none);
      case DONE -> throw new IllegalStateException();
    };
  }

  SearchSupervisor.Status awaitEnd(ActorRef<SearchSupervisor.Command> s) {
    TestProbe<SearchSupervisor.Status> p = KIT.createTestProbe();
    return p.awaitAssert(Duration.ofSeconds(20), Duration.ofMillis(50), () -> {
      s.tell(new SearchSupervisor.GetStatus(p.getRef()));
      SearchSupervisor.Status st = p.receiveMessage();
      assertTrue(!st.state().equals("running"), "still " + st.stage());
      return st;
    });
  }

  ActorRef<SearchSupervisor.Command> submit(String id, Pipeline pipeline) {
    ActorRef<SearchSupervisor.Command> s = KIT.spawn(SearchSupervisor.create(id, pipeline, Duration.ofMillis(20)));
    TestProbe<org.apache.pekko.pattern.StatusReply<org.apache.pekko.Done>> ack = KIT.createTestProbe();
    s.tell(new SearchSupervisor.Submit(SearchSupervisorTest.SPEC, ack.getRef()));
    assertTrue(ack.receiveMessage().isSuccess());
    return s;
  }

  @Test
  void aSubmittedSearchRunsEveryStageToCompletion() {
    SearchSupervisor.Status st = awaitEnd(submit("o1", Pipeline.ofJobs((id, state, self, noReply) -> quick(state, self))));
    assertEquals("completed", st.state());
    assertEquals("{\"top1\": 0.9}", st.detail());
  }

  @Test
  void stepProgressIsPublishedOnTheEventStreamAndNotPersisted() {
    TestProbe<LiveProgress> watcher = KIT.createTestProbe();
    KIT.system().eventStream().tell(new org.apache.pekko.actor.typed.eventstream.EventStream.Subscribe<>(
        LiveProgress.class, watcher.getRef()));
    Pipeline p = Pipeline.ofJobs((id, state, self, noReply) -> state.stage() == Stage.SUPERNET
        ? cancelled -> {
          for (int step = 1; step <= 3; step++) {
            self.tell(new SearchSupervisor.ReportLive(
                new LiveProgress(id, Stage.SUPERNET, "warmup", step, 3, 1.0 / step, 7.0)));
          }
          return new SearchSupervisor.Derived(ARCH, "{}", 6.0, KIT.system().ignoreRef());
        }
        : quick(state, self));
    assertEquals("completed", awaitEnd(submit("o-live", p)).state());
    List<Long> steps = new java.util.ArrayList<>();
    while (steps.size() < 3) {
      LiveProgress lp = watcher.receiveMessage(Duration.ofSeconds(5));
      if (lp.searchId().equals("o-live")) {
        steps.add(lp.step());
      }
    }
    assertEquals(List.of(1L, 2L, 3L), steps, "every step, in order");
  }

  /**
   * A stage's result whose journal write fails (the journal briefly away) restarts the entity with
   * backoff; the search still completes: the stage's worker delivers its result again to the
   * recovered entity.
   */
  @Test
  void aStageResultWhoseJournalWriteFailsIsDeliveredAgainAndTheSearchCompletes() {
    org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit journal =
        org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(KIT.system());
    ActorRef<SearchSupervisor.Command> s = submit("o-journal",
        Pipeline.ofJobs((id, state, self, noReply) -> quick(state, self)));
    journal.failNextPersisted("Search|o-journal");
    SearchSupervisor.Status st = awaitEnd(s);
    assertEquals("completed", st.state(), st.detail());
  }

  @Test
  void badInputFailsTheSearchWithItsReason() {
    Pipeline p = Pipeline.ofJobs((id, state, self, noReply) -> state.stage() == Stage.SCALING
        ? cancelled -> { throw new IllegalArgumentException("budget below the searched network"); }
        : quick(state, self));
    SearchSupervisor.Status st = awaitEnd(submit("o2", p));
    assertEquals("failed", st.state());
    assertTrue(st.detail().contains("SCALING") && st.detail().contains("budget below"), st.detail());
  }

  @Test
  void transientFailuresRestartTheWorker() {
    AtomicInteger tries = new AtomicInteger();
    Pipeline p = Pipeline.ofJobs((id, state, self, noReply) -> state.stage() == Stage.FINAL_TRAINING
        ? cancelled -> {
          if (tries.incrementAndGet() < 3) {
            throw new java.io.IOException("disk hiccup");
          }
          return quick(state, self).run(cancelled);
        }
        : quick(state, self));
    SearchSupervisor.Status st = awaitEnd(submit("o3", p));
    assertEquals("completed", st.state());
    assertEquals(3, tries.get(), "two restarts, then the job completed");
  }

  @Test
  void runningOutOfMemoryFailsTheSearchAtOnceNamingTheLimit() {
    AtomicInteger tries = new AtomicInteger();
    Pipeline p = Pipeline.ofJobs((id, state, self, noReply) -> state.stage() == Stage.FINAL_TRAINING
        ? cancelled -> {
          tries.incrementAndGet();
          throw new OutOfMemoryError("Java heap space");
        }
        : quick(state, self));
    SearchSupervisor.Status st = awaitEnd(submit("o5", p));
    assertEquals("failed", st.state());
    assertTrue(st.detail().contains("FINAL_TRAINING") && st.detail().contains("S3NAS_HEAP"), st.detail());
    assertEquals(1, tries.get(), "no restart into the same limit");
  }

  @Test
  void aWorkerThatKeepsFailingFailsTheSearch() {
    Pipeline p = Pipeline.ofJobs((id, state, self, noReply) -> state.stage() == Stage.LATENCY_TABLE
        ? cancelled -> { throw new IllegalStateException("always"); }
        : quick(state, self));
    SearchSupervisor.Status st = awaitEnd(submit("o4", p));
    assertEquals("failed", st.state());
    assertTrue(st.detail().contains("repeated failures"), st.detail());
  }
}
