package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.s3nas.SimulatedDevice;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.PassTimer;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Profiling and whole-network measurements asked from different threads (a search's stages run on
 * a pool) build and run every pass on the process's one ND4J thread: ND4J measured ~5.7x slower
 * for the rest of a process once a second Java thread had called it (docs/latency.md, "One ND4J
 * thread").
 */
class OneTimingThreadTest {
  @TempDir Path tmp;

  @Test
  void passesAreBuiltAndRunOnOneThreadWhateverThreadAsks() throws Exception {
    SimulatedDevice device = new SimulatedDevice(20, 4, 1.3, 0);
    SearchSpace space = SearchSpace.of(ModelJson.parse(SimulatedDevice.TINY_SUPERNET, "tiny"));
    MeasuredLatencyModel m = new MeasuredLatencyModel("sim", device, new PassTimer(1, 1, 3, 2, 0.2, 0), 1, tmp, true);
    Architecture a = space.architecture(new int[space.blocks().size()]);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      pool.submit(() -> NetworkLatency.of(space, m)).get(); // profiles every outcome
      for (int i = 0; i < 3; i++) {
        pool.submit(() -> m.measureNetworks(List.of(a))).get();
      }
    } finally {
      pool.shutdown();
    }
    m.measureNetworks(List.of(a)); // and from the test's own thread
    assertEquals(Set.of("s3nas-nd4j"), device.threads, "every pass on the one ND4J thread");
  }
}
