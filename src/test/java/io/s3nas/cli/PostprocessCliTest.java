package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code s3nas postprocess} end to end on generated images, and its budget check. */
class PostprocessCliTest {
  @TempDir Path tmp;

  @Test
  void decidesEveryChangeWithEvidenceAndRejectsAnImpossibleBudget() throws IOException {
    Path arch = tmp.resolve("arch.json");
    Files.writeString(arch, TrainExportCliTest.ARCH);
    Path data = TestImages.learnableFashion(tmp.resolve("data"), 120, 8, 4);
    Path out = tmp.resolve("pp");
    // a budget whose limit (less the 3% margin) leaves 0.5% of room over the base network
    double baseMs = new io.s3nas.latency.FixedLatency(io.s3nas.platform.HardwareRegistry.load(Path.of("conf/hardware"))
        .model("custom")).totalMs(io.s3nas.space.Architecture.of(io.s3nas.space.ModelJson.read(arch), "arch"));
    double limit = 1.005 * baseMs;
    String budget = String.format(java.util.Locale.ROOT, "%.9f", limit / 0.97);
    CliTest.Result r = CliTest.run("postprocess", "--arch", arch.toString(), "--hardware", "custom", "--budget-ms", budget,
        "--data", data.toString(), "--batch", "16", "--epochs", "8", "--probe-images", "30", "--changes",
        "se-last,se:1,hswish", "--out", out.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(3, j.get("decisions").size(), "one decision per change asked for");
    double baseTop1 = j.get("probe").get("base_top1").asDouble();
    double floor = j.get("probe").get("min_top1").asDouble();
    assertEquals(0.55, floor, 1e-9, "halfway from chance (10 classes)");
    for (JsonNode d : j.get("decisions")) {
      String v = d.get("verdict").asText();
      assertTrue(java.util.Set.of("kept", "rejected", "undecided", "over_budget").contains(v), d.toString());
      assertTrue(d.has("latency_percent") && d.has("reason") && d.has("latency_method"), d.toString());
      if (baseTop1 < floor) {
        assertEquals("undecided", v, "a base below the floor decides nothing: " + d);
      } else {
        double lo = d.get("gain_interval_points").get(0).asDouble();
        double hi = d.get("gain_interval_points").get(1).asDouble();
        assertTrue(lo <= d.get("gain_points").asDouble() && d.get("gain_points").asDouble() <= hi, d.toString());
        assertEquals(30, d.get("images").asInt(), "every arm on the same held-out images");
      }
    }
    assertTrue(j.get("final_latency_ms").asDouble() <= limit * (1 + 1e-9), j.get("final_latency_ms") + " > " + limit);
    for (JsonNode d : j.get("decisions")) {
      if (d.get("latency_percent").asDouble() > 0.5) {
        assertTrue(!d.get("verdict").asText().equals("kept"), "a change over the room kept: " + d);
      }
    }
    assertTrue(Files.exists(out.resolve("postprocessed_model.json")) && Files.exists(out.resolve("postprocess.json")));
    CliTest.Result badChange = CliTest.run("postprocess", "--arch", arch.toString(), "--hardware", "custom",
        "--budget-ms", "1000", "--data", data.toString(), "--changes", "se:9", "--out", tmp.resolve("y").toString());
    assertEquals(2, badChange.code());
    assertTrue(badChange.err().contains("--changes") && badChange.err().contains("se:9"), badChange.err());
    CliTest.Result low = CliTest.run("postprocess", "--arch", arch.toString(), "--hardware", "custom", "--budget-ms",
        "0.000001", "--data", data.toString(), "--out", tmp.resolve("x").toString());
    assertEquals(2, low.code());
    assertTrue(low.err().contains("--budget-ms"), low.err());
    assertTrue(!Files.exists(tmp.resolve("x")));
  }
}
