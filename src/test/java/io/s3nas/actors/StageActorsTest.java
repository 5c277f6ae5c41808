package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.SimulatedDevice;
import io.s3nas.TestImages;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.PassTimer;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import io.s3nas.stages.LatencyStage;
import io.s3nas.train.ModelFile;
import io.s3nas.train.TrainedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage actors of the design, each by its protocol: a request in, progress and one answer out,
 * latencies asked of the platform's {@link LatencyEstimator} by message (a monitor sees them), bad
 * input answered as {@link StageFailed}, and a stopped actor's work cancelled without an answer.
 */
class StageActorsTest {
  static final ActorTestKit KIT = ActorTestKit.create("stage-actors", ConfigFactory.load());
  static final Duration LONG = Duration.ofSeconds(120);

  static final String TINY = """
      {"img_size": 8, "img_c": 1, "n_classes": 10,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5,5,7_s11_e2,2,2_i8_o8_c102", "r1_k5_s22_e6_i8_o16_c12"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}}
      """;

  @TempDir Path tmp;
  Path supernet;
  SearchSpace space;
  LatencyModel custom;
  SearchSpec spec;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @BeforeEach
  void files() throws IOException {
    supernet = tmp.resolve("tiny.json");
    Files.writeString(supernet, TINY);
    space = SearchSpace.of(ModelJson.read(supernet));
    custom = HardwareRegistry.load(Path.of("conf/hardware")).model("custom");
    NetworkLatency nl = NetworkLatency.of(space, custom);
    Path data = TestImages.learnableFashion(tmp.resolve("data"), 2000, 8, 6);
    // warm-up, search and final training of one epoch each on the first 320 images, batch 32
    spec = new SearchSpec(supernet.toString(), "fashion-mnist", data.toString(), "custom", 1.5 * nl.maxMs(),
        nl.minMs() + 0.5 * (nl.maxMs() - nl.minMs()), 1, 1, 1, 32, 320, 3);
  }

  RunCheckpoints checkpoints(String run) {
    return new RunCheckpoints(new CheckpointStore(tmp.resolve("checkpoints")), run, 4,
        new ObjectMapper().createObjectNode().put("run", run), true);
  }

  /** A platform's estimator, with a monitor that receives a copy of every request it is sent. */
  ActorRef<LatencyEstimator.Command> estimator(LatencyModel model, TestProbe<LatencyEstimator.Command> monitor) {
    return KIT.spawn(Behaviors.monitor(LatencyEstimator.Command.class, monitor.getRef(),
        LatencyEstimator.create(model)));
  }

  /** Every message until (and with) the first of type {@code last}. */
  static <R> List<R> until(TestProbe<R> probe, Class<?> last) {
    List<R> got = new ArrayList<>();
    while (got.isEmpty() || !last.isInstance(got.get(got.size() - 1))) {
      R m = probe.receiveMessage(LONG);
      assertFalse(m instanceof StageFailed && !last.isInstance(m), "failed: " + m);
      got.add(m);
    }
    return got;
  }

  @Test
  void theSupernetTrainerReportsEveryStepAndCheckpointAndDerivesWithinTheTarget() {
    TestProbe<LatencyEstimator.Command> asked = KIT.createTestProbe();
    ActorRef<SupernetTrainer.Command> trainer = KIT.spawn(SupernetTrainer.create(estimator(custom, asked),
        Duration.ofMillis(50), 2));
    TestProbe<SupernetTrainer.Reply> probe = KIT.createTestProbe();
    Path out = tmp.resolve("run");
    trainer.tell(new SupernetTrainer.Train(spec, supernet, spec.searchTargetMs(), checkpoints("sup"), out,
        probe.getRef()));

    List<SupernetTrainer.Reply> replies = until(probe, SupernetTrainer.Derived.class);
    List<SupernetTrainer.Step> steps = replies.stream().filter(SupernetTrainer.Step.class::isInstance)
        .map(SupernetTrainer.Step.class::cast).toList();
    long total = steps.get(0).total();
    assertEquals(total, steps.size(), "one report per step");
    assertEquals(List.of("warmup", "search"), steps.stream().map(SupernetTrainer.Step::phase).distinct().toList());
    List<String> refs = replies.stream().filter(SupernetTrainer.Checkpointed.class::isInstance)
        .map(r -> ((SupernetTrainer.Checkpointed) r).checkpointRef()).toList();
    assertEquals(total / 4 + (total % 4 == 0 ? 0 : 1), refs.size(), "a checkpoint every 4 steps and at the end");
    refs.forEach(r -> assertNotNull(r, "each checkpoint names its stored state"));

    SupernetTrainer.Derived d = (SupernetTrainer.Derived) replies.get(replies.size() - 1);
    assertEquals(new FixedLatency(custom).totalMs(d.result().architecture()), d.result().estimatedMs(), 1e-9,
        "the derived network's estimate is the platform's");
    assertEquals(spec.searchTargetMs(), d.result().targetMs(), 1e-12);
    assertTrue(Files.exists(out.resolve("derived_model.json")));
    assertInstanceOf(LatencyEstimator.GetModel.class, asked.receiveMessage(LONG), "the platform asked of the estimator");
  }

  @Test
  void theScalerMeasuresItsCandidatesThroughTheEstimatorAndStaysWithinTheBudget() {
    SimulatedDevice device = new SimulatedDevice(20, 4, 1.3, 0);
    MeasuredLatencyModel model = new MeasuredLatencyModel("sim", device, new PassTimer(1, 1, 4, 3, 0.2, 0), 1,
        tmp.resolve("table"), true);
    LatencyStage.run(new LatencyStage.Request(space, 0, 1, 0, 0, 8, 6, 1), model); // profiled and calibrated
    Architecture derived = space.architecture(new int[space.blocks().size()]);
    double budget = 1.6 * new FixedLatency(model.estimatingView()).totalMs(derived);

    TestProbe<LatencyEstimator.Command> asked = KIT.createTestProbe();
    ActorRef<Scaler.Command> scaler = KIT.spawn(Scaler.create(estimator(model, asked), Duration.ofMillis(50), 2));
    TestProbe<Scaler.Reply> probe = KIT.createTestProbe();
    Path out = tmp.resolve("run");
    // every candidate measured (the gate's own behaviour: ScalingSearchTest, MeasuredBudgetTest)
    scaler.tell(new Scaler.Scale(derived, budget, spec.settings().withMeasurement(
        io.s3nas.latency.MeasurementPolicy.ALL), "sim", out, probe.getRef()));

    Scaler.Scaled s = (Scaler.Scaled) until(probe, Scaler.Scaled.class).get(0);
    assertTrue(s.result().measured(), "the choice measured whole on the device");
    assertTrue(s.result().measuredMs() <= budget, s.result().measuredMs() + " ms against a " + budget + " ms budget");
    assertTrue(s.result().search().chosen().macs() > derived.cost().macs(), "scaled up into the budget's room");
    for (String f : List.of("scaling.json", "scaled_model.json", "candidates.png")) {
      assertTrue(Files.exists(out.resolve(f)), f);
    }
    List<Class<?>> requests = new ArrayList<>();
    while (!requests.contains(LatencyEstimator.Measure.class)) {
      requests.add(asked.receiveMessage(LONG).getClass());
    }
    assertEquals(LatencyEstimator.GetModel.class, requests.get(0), "the model first, then measurements by message");
  }

  @Test
  void thePostProcessorDecidesEachChangeAndStoresTheBaseItTrained() throws IOException {
    TestProbe<LatencyEstimator.Command> asked = KIT.createTestProbe();
    ActorRef<PostProcessor.Command> pp = KIT.spawn(PostProcessor.create(estimator(custom, asked),
        Duration.ofMillis(50), 2));
    TestProbe<PostProcessor.Reply> probe = KIT.createTestProbe();
    Path out = tmp.resolve("run");
    Architecture scaled = space.architecture(new int[space.blocks().size()]);
    RunCheckpoints ck = checkpoints("pp");
    pp.tell(new PostProcessor.Decide(spec, scaled, spec.budgetMs(), ck, out, probe.getRef()));

    List<PostProcessor.Reply> replies = until(probe, PostProcessor.Decided.class);
    assertTrue(replies.size() > 1 && replies.get(0) instanceof PostProcessor.Step, "probe training reported");
    PostProcessor.Decided d = (PostProcessor.Decided) replies.get(replies.size() - 1);
    assertEquals(spec.settings().postprocessChanges().size(), d.result().decisions().decisions().size(),
        "one decision per change tried");
    assertTrue(ck.store().contains(d.warmStartRef()), "the trained base stored for final training");
    assertTrue(Files.readString(out.resolve("postprocess.json")).contains("h-swish"));
    assertInstanceOf(LatencyEstimator.GetModel.class, asked.receiveMessage(LONG));
  }

  @Test
  void theNetworkTrainerTrainsToTheEndAndWritesTheModel() {
    ActorRef<NetworkTrainer.Command> trainer = KIT.spawn(NetworkTrainer.create(Duration.ofMillis(50), 2));
    TestProbe<NetworkTrainer.Reply> probe = KIT.createTestProbe();
    Path model = tmp.resolve("run").resolve("model.s3model");
    Architecture arch = space.architecture(new int[space.blocks().size()]);
    SearchSpec eightEpochs = new SearchSpec(spec.supernet(), spec.dataset(), spec.dataPath(), spec.hardware(),
        spec.budgetMs(), spec.searchTargetMs(), 1, 1, 8, 32, 2000, 3);
    trainer.tell(new NetworkTrainer.Train(eightEpochs, arch, checkpoints("final"), null, model, probe.getRef()));

    List<NetworkTrainer.Reply> replies = until(probe, NetworkTrainer.Trained.class);
    NetworkTrainer.Trained t = (NetworkTrainer.Trained) replies.get(replies.size() - 1);
    assertEquals(t.steps(), replies.stream().filter(NetworkTrainer.Step.class::isInstance).count(),
        "one report per step");
    TrainedModel m = ModelFile.read(model);
    assertEquals(arch.blockStrings(), m.architecture().blockStrings());
    assertEquals(t.testTop1(), ((Number) m.info().get("test_top1")).doubleValue(), 1e-12);
    assertTrue(t.testTop1() > 0.2, "a learnable task learnt above chance (0.1): " + t.testTop1());
  }

  @Test
  void badInputIsAnsweredAsAFailureNamingIt() {
    ActorRef<SupernetTrainer.Command> trainer = KIT.spawn(SupernetTrainer.create(
        estimator(custom, KIT.createTestProbe()), Duration.ofMillis(50), 2));
    TestProbe<SupernetTrainer.Reply> probe = KIT.createTestProbe();
    Path missing = tmp.resolve("no-such-supernet.json");
    trainer.tell(new SupernetTrainer.Train(spec, missing, spec.searchTargetMs(), checkpoints("bad"), tmp.resolve("run"),
        probe.getRef()));
    StageFailed f = probe.expectMessageClass(StageFailed.class, LONG);
    assertEquals(Stage.SUPERNET, f.stage());
    assertTrue(f.reason().contains("no-such-supernet.json"), f.reason());
    probe.expectTerminated(trainer, LONG);
  }

  @Test
  void stoppingAStageActorCancelsItsWorkWithoutAnAnswer() {
    SearchSpec longer = new SearchSpec(spec.supernet(), spec.dataset(), spec.dataPath(), spec.hardware(),
        spec.budgetMs(), spec.searchTargetMs(), 50, 50, 1, 32, 320, 3);
    ActorRef<SupernetTrainer.Command> trainer = KIT.spawn(SupernetTrainer.create(
        estimator(custom, KIT.createTestProbe()), Duration.ofMillis(50), 2));
    TestProbe<SupernetTrainer.Reply> probe = KIT.createTestProbe();
    trainer.tell(new SupernetTrainer.Train(longer, supernet, spec.searchTargetMs(), checkpoints("stop"),
        tmp.resolve("run"), probe.getRef()));
    SupernetTrainer.Step first = (SupernetTrainer.Step) probe.receiveMessage(LONG);
    KIT.stop(trainer);
    // steps already on their way may still arrive; then silence, and never an answer
    long seen = first.step();
    while (true) {
      SupernetTrainer.Reply m;
      try {
        m = probe.receiveMessage(Duration.ofSeconds(3));
      } catch (AssertionError silence) {
        break;
      }
      assertFalse(m instanceof SupernetTrainer.Derived || m instanceof StageFailed, "answered after stop: " + m);
      seen = ((SupernetTrainer.Step) m).step();
    }
    assertTrue(seen < first.total() / 2, "the work stopped at step " + seen + " of " + first.total());
  }
}
