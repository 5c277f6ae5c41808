package io.s3nas.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.s3nas.SimulatedDevice;
import io.s3nas.latency.Component;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.PassTimer;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import io.s3nas.stages.LatencyStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device node's latency service seen from a search on another node: two actor systems form a
 * cluster over Artery on loopback, so every request and table crosses the wire as it would between
 * machines. The search's latency stage profiles and calibrates the platform on the device; its
 * mirror prices every component as the device does; its own calibration switch does not touch the
 * device; a device that leaves fails the next request at once.
 */
class DeviceLatencyTest {
  @TempDir Path tmp;

  static final String TINY = SimulatedDevice.TINY_SUPERNET;

  static Config node(String role) {
    return ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = "127.0.0.1"
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.cluster.downing-provider-class = ""
        pekko.coordinated-shutdown.exit-jvm = off
        pekko.cluster.roles = ["%s"]
        """.formatted(role)).withFallback(ConfigFactory.load());
  }

  static void awaitUp(ActorSystem<?> system, int members) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      long up = 0;
      for (var m : Cluster.get(system).state().getMembers()) {
        up += m.status() == MemberStatus.up() ? 1 : 0;
      }
      if (up == members) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("cluster of " + members + " not up: " + Cluster.get(system).state());
  }

  @Test
  void theSearchesOfOneNodeShareItsEstimatorOfAPlatformItTimesAndEachKeepsItsCalibrationSwitch() throws Exception {
    ActorTestKit worker = ActorTestKit.create("cluster", node("worker"));
    try {
      var self = Cluster.get(worker.system()).selfMember().address();
      Cluster.get(worker.system()).manager().tell(Join.create(self));
      awaitUp(worker.system(), 1);
      SimulatedDevice machine = new SimulatedDevice(20, 4, 1.3, 30);
      java.util.concurrent.atomic.AtomicInteger built = new java.util.concurrent.atomic.AtomicInteger();
      DevicePlatforms devices = new DevicePlatforms(worker.system(), hw -> {
        built.incrementAndGet();
        return new MeasuredLatencyModel(hw, machine, new PassTimer(1, 1, 4, 3, 0.2, 0), 1, tmp, true);
      }, Duration.ofSeconds(20), Duration.ofMinutes(5));
      DeviceLatencyModel first = (DeviceLatencyModel) devices.model("here");
      SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
      LatencyStage.Result r = LatencyStage.run(new LatencyStage.Request(space, 0, 0.6, 0, 0.3, 8, 6, 1), first);
      assertTrue(r.calibratedNow());
      assertTrue(first.describeMachine().endsWith("(this node's estimator)"), first.describeMachine());

      // a second search on the node: the same estimator, its table and calibration in place
      DeviceLatencyModel second = (DeviceLatencyModel) devices.model("here");
      assertEquals(1, built.get(), "one model of the platform on the node");
      assertTrue(second.calibrated());
      List<Component> parts = NetworkLatency.components(space.architecture(new int[space.blocks().size()]));
      assertTrue(parts.stream().allMatch(second::holds), "nothing to time again");
      first.useCalibration(false);
      Component c = parts.get(1);
      assertTrue(first.latency(c).ms() < second.latency(c).ms(), "the first's switch is its own");
    } finally {
      worker.shutdownTestKit();
    }
  }

  @Test
  void aSearchOnAnotherNodeProfilesAndCalibratesOnTheDeviceAndPricesAsItDoes() throws Exception {
    ActorTestKit device = ActorTestKit.create("cluster", node("device-sim"));
    ActorTestKit worker = ActorTestKit.create("cluster", node("worker"));
    try {
      SimulatedDevice machine = new SimulatedDevice(20, 4, 1.3, 30);
      MeasuredLatencyModel onDevice = new MeasuredLatencyModel("sim", machine, new PassTimer(1, 1, 4, 3, 0.2, 0), 1,
          tmp, true);
      device.spawn(DeviceLatency.create("sim", () -> onDevice, Duration.ofMinutes(5)), "device-latency-sim");
      var self = Cluster.get(device.system()).selfMember().address();
      Cluster.get(device.system()).manager().tell(Join.create(self));
      Cluster.get(worker.system()).manager().tell(Join.create(self));
      awaitUp(worker.system(), 2);

      DevicePlatforms devices = new DevicePlatforms(worker.system(), hw -> {
        assertEquals("other", hw, "a served platform is not built on the search's node");
        return LatencyModelStub.named(hw);
      }, Duration.ofSeconds(20), Duration.ofMinutes(5));
      assertTrue(devices.served("sim"));
      assertFalse(devices.served("other"));
      LatencyModel local = devices.model("other");
      assertEquals("other", local.platform(), "a platform no device node serves is built on the search's node");
      DeviceLatencyModel remote = (DeviceLatencyModel) devices.model("sim");
      assertTrue(remote.describeMachine().contains(self.toString()), remote.describeMachine());
      assertFalse(remote.calibrated(), "a fresh device");

      SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
      LatencyStage.Result r = LatencyStage.run(new LatencyStage.Request(space, 0, 0.6, 0, 0.3, 8, 6, 1), remote);
      assertTrue(r.calibratedNow());
      assertEquals(onDevice.calibration(), r.calibration(), "the device stored the calibration the search fitted there");
      assertTrue(r.calibration().scale() > 1.15 && r.calibration().scale() < 1.45, "it finds the device's 1.3: "
          + r.calibration().scale());
      assertTrue(Files.exists(onDevice.tableFile()), "the table is cached on the device node");
      List<Component> parts = NetworkLatency.components(space.architecture(new int[space.blocks().size()]));
      for (Component c : parts) {
        assertEquals(onDevice.latency(c).ms(), remote.latency(c).ms(), 1e-12, "priced as on the device: " + c.tableKey());
      }
      assertEquals(onDevice.networkOverheadMs(), remote.networkOverheadMs(), 1e-12);
      double sweep = NetworkLatency.of(space, remote.estimatingView()).maxMs();
      assertEquals(NetworkLatency.of(space, onDevice.estimatingView()).maxMs(), sweep, 1e-9, "sweeps price the same");

      // the search's calibration switch is its own: the device's estimates keep theirs
      remote.useCalibration(false);
      Component c0 = parts.get(1);
      assertTrue(remote.latency(c0).ms() < onDevice.latency(c0).ms(), "uncalibrated here, calibrated on the device");
      remote.useCalibration(true);

      int[] last = new int[space.blocks().size()];
      for (int b = 0; b < last.length; b++) {
        last[b] = space.blocks().get(b).outcomes().size() - 1;
      }
      List<Architecture> archs = List.of(space.architecture(new int[space.blocks().size()]), space.architecture(last));
      NetworkMeasurement m = remote.measureNetworks(archs);
      assertEquals(2, m.ms().length);
      assertTrue(m.ms()[1] > m.ms()[0], "the larger network measures slower: " + java.util.Arrays.toString(m.ms()));
      assertTrue(m.drift() > 0.5 && m.drift() < 2, "drift measured beside them: " + m.drift());

      // the next search finds the table and calibration in place: nothing to time
      DeviceLatencyModel next = (DeviceLatencyModel) devices.model("sim");
      assertTrue(next.calibrated());
      assertTrue(parts.stream().allMatch(next::holds));

      // a device that leaves: the next request fails within seconds, not after the request timeout
      device.shutdownTestKit();
      awaitUp(worker.system(), 1);
      Component unseen = new Component.Classifier(64, 3);
      assertFalse(next.holds(unseen));
      long t0 = System.nanoTime();
      IllegalStateException gone = assertThrows(IllegalStateException.class, () -> next.latency(unseen));
      assertTrue((System.nanoTime() - t0) / 1e9 < 30, "failed fast");
      assertTrue(gone.getMessage().contains("sim"), gone.getMessage());
    } finally {
      worker.shutdownTestKit();
      device.shutdownTestKit();
    }
  }
}
