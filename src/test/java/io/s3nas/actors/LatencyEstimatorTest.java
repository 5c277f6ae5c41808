package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.s3nas.SimulatedDevice;
import io.s3nas.latency.Calibration;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.PassTimer;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import io.s3nas.stages.LatencyStage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The latency estimator actor: estimates with their uncertainty, measurements one at a time. */
class LatencyEstimatorTest {
  static final ActorTestKit KIT = ActorTestKit.create("estimator", ConfigFactory.load());

  @TempDir Path tmp;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  static final String TINY = SimulatedDevice.TINY_SUPERNET;

  @Test
  void estimatesCarryTheCalibrationsBandAndMeasurementsNeverOverlap() {
    SimulatedDevice device = new SimulatedDevice(20, 4, 1.3, 0);
    MeasuredLatencyModel model = new MeasuredLatencyModel("sim", device, new PassTimer(1, 1, 4, 3, 0.2, 0), 1, tmp,
        true);
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    Calibration cal = LatencyStage.run(new LatencyStage.Request(space, 0, 1, 0, 0, 8, 6, 1), model).calibration();
    ActorRef<LatencyEstimator.Command> est = KIT.spawn(LatencyEstimator.create(model));
    List<Architecture> archs = List.of(space.architecture(new int[space.blocks().size()]),
        space.architecture(LatencyStageSamples.lastOutcomes(space)));

    TestProbe<LatencyEstimator.Estimates> estimates = KIT.createTestProbe();
    est.tell(new LatencyEstimator.Estimate(archs, estimates.getRef()));
    LatencyEstimator.Estimates e = estimates.receiveMessage(Duration.ofSeconds(30));
    double worst = 0;
    double sq = 0;
    for (double err : cal.heldOutErrors()) {
      worst = Math.max(worst, Math.abs(err));
      sq += err * err;
    }
    double band = Math.max(worst, 2 * Math.sqrt(sq / cal.heldOutErrors().length));
    for (int i = 0; i < archs.size(); i++) {
      assertEquals(band * e.ms()[i], e.bandMs()[i], 1e-12, "the band is the validation residuals' worst / 2 rms");
    }
    assertTrue(e.source().contains("held-out"), e.source());

    // two stages asking at once: served one after the other, never timing the device together
    TestProbe<StatusReply<NetworkMeasurement>> first = KIT.createTestProbe();
    TestProbe<StatusReply<NetworkMeasurement>> second = KIT.createTestProbe();
    est.tell(new LatencyEstimator.Measure(archs, first.getRef()));
    est.tell(new LatencyEstimator.Measure(archs, second.getRef()));
    NetworkMeasurement a = first.receiveMessage(Duration.ofSeconds(60)).getValue();
    NetworkMeasurement b = second.receiveMessage(Duration.ofSeconds(60)).getValue();
    assertFalse(device.overlapped(), "no two passes ran at once");
    for (int i = 0; i < archs.size(); i++) {
      assertEquals(e.ms()[i], a.inTableUnits()[i], 0.25 * e.ms()[i], "the measurement is near the estimate");
      assertEquals(a.inTableUnits()[i], b.inTableUnits()[i], 0.25 * a.inTableUnits()[i]);
    }
  }

  @Test
  void aPlatformThisMachineCannotMeasureSaysSo() {
    ActorRef<LatencyEstimator.Command> est = KIT.spawn(LatencyEstimator.create(
        () -> HardwareRegistry.load(Path.of("conf/hardware")).model("midap")));
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    TestProbe<StatusReply<NetworkMeasurement>> probe = KIT.createTestProbe();
    est.tell(new LatencyEstimator.Measure(List.of(space.architecture(new int[space.blocks().size()])),
        probe.getRef()));
    StatusReply<NetworkMeasurement> r = probe.receiveMessage(Duration.ofSeconds(30));
    assertTrue(r.isError() && r.getError().getMessage().contains("cannot be measured"), String.valueOf(r));
    TestProbe<LatencyEstimator.Estimates> estimates = KIT.createTestProbe();
    est.tell(new LatencyEstimator.Estimate(List.of(space.architecture(new int[space.blocks().size()])),
        estimates.getRef()));
    LatencyEstimator.Estimates e = estimates.receiveMessage(Duration.ofSeconds(30));
    assertTrue(e.ms()[0] > 0 && e.bandMs()[0] >= 0, "a table platform's estimate, its band from the predictor");
  }

  /** A second architecture: every block at its last outcome. */
  static final class LatencyStageSamples {
    static int[] lastOutcomes(SearchSpace space) {
      int[] c = new int[space.blocks().size()];
      for (int b = 0; b < c.length; b++) {
        c[b] = space.blocks().get(b).outcomes().size() - 1;
      }
      return c;
    }
  }
}
