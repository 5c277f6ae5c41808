package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardwareRegistryTest {
  @TempDir Path tmp;

  @Test
  void shipsTheFourPlatforms() {
    HardwareRegistry r = HardwareRegistry.load(Path.of("conf/hardware"));
    assertEquals(Set.of("midap", "cpu-nd4j", "custom", "onnxruntime-cpu"), r.names());
    assertEquals(HardwarePlatform.Kind.TABLE, r.platform("midap").kind());
    assertEquals(HardwarePlatform.Kind.ONNXRUNTIME, r.platform("onnxruntime-cpu").kind());
  }

  @Test
  void unknownPlatformListsTheKnownOnes() {
    HardwareRegistry r = HardwareRegistry.load(Path.of("conf/hardware"));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> r.model("tpu"));
    assertTrue(e.getMessage().contains("unknown hardware platform 'tpu'") && e.getMessage().contains("midap"), e.getMessage());
  }

  @Test
  void badConfigsNameFileAndKey() throws IOException {
    Files.writeString(tmp.resolve("a.conf"), "kind = table\ntable = \"x.csv\"\nspeed = 3\n");
    Files.writeString(tmp.resolve("good.conf"), "kind = analytical\nanalytical { peak-gmacs = 50, bandwidth-gbs = 10 }\n");
    // one bad file names itself when asked for, and breaks no other platform
    HardwareRegistry withBad = HardwareRegistry.load(tmp);
    assertEquals(Set.of("good"), withBad.names());
    assertTrue(withBad.model("good").latency(new Component.Pool(8, 4)).ms() >= 0);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> withBad.model("a"));
    assertEquals("speed", e.field());
    assertTrue(e.getMessage().startsWith(tmp.resolve("a.conf").toString()));
    Files.writeString(tmp.resolve("a.conf"), "kind = fpga\n");
    e = assertThrows(InvalidInputException.class, () -> HardwareRegistry.load(tmp).model("a"));
    assertEquals("kind", e.field());
    Files.writeString(tmp.resolve("a.conf"), "kind = table\n");
    InvalidInputException missing = assertThrows(InvalidInputException.class, () -> HardwareRegistry.load(tmp).model("a"));
    assertEquals("table", missing.field(), missing.getMessage());
    Files.writeString(tmp.resolve("a.conf"), "kind = table\ntable = \"nope.csv\"\n");
    InvalidInputException nofile = assertThrows(InvalidInputException.class, () -> HardwareRegistry.load(tmp).model("a"));
    assertTrue(nofile.getMessage().contains("nope.csv") && nofile.getMessage().contains("not found"), nofile.getMessage());
  }

  @Test
  void analyticalDeviceGrowsWithWorkAndFillsGapsOfAnImportedTable() throws IOException {
    HardwareRegistry r = HardwareRegistry.load(Path.of("conf/hardware"));
    LatencyModel custom = r.model("custom");
    SearchSpace s = SearchSpace.of(TestData.supernet(TestData.FASHION));
    NetworkLatency nl = NetworkLatency.of(s, custom);
    assertTrue(nl.minMs() > 0 && nl.maxMs() > 2 * nl.minMs());
    // a small imported table; what it lacks comes from the analytical section
    Files.writeString(tmp.resolve("t.csv"), "component,key,input_size,value\nConv2D,k3_s11_i1_o16,28,0.5\n");
    Files.writeString(tmp.resolve("dev.conf"), "kind = table\ntable = \"t.csv\"\nmissing = analytical\n"
        + "analytical { peak-gmacs = 50, bandwidth-gbs = 10, layer-overhead-us = 20 }\n");
    LatencyModel dev = HardwareRegistry.load(tmp).model("dev");
    Architecture a = s.architecture(new int[16]);
    NetworkLatency.Breakdown b = NetworkLatency.estimate(a, dev);
    assertEquals(0.5, b.parts().get(0).ms());
    assertEquals(LatencySource.TABLE, b.parts().get(0).source());
    assertEquals(LatencySource.ANALYTICAL, b.parts().get(b.parts().size() - 1).source());
  }
}
