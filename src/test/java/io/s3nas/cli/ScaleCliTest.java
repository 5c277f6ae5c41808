package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code s3nas scale} on the MIDAP table: outputs, and the budget and option errors. */
class ScaleCliTest {
  @TempDir Path tmp;

  static final String ARCH = """
      {"img_size": 224, "img_c": 3, "n_classes": 1000,
       "first_conv": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 3, "strides": 2},
       "stages_args": ["r2_k3_s22_e4_i32_o32_c0", "r2_k3,5_s22_e2,2_i32_o64_c100", "r2_k5_s22_e4_i64_o128_c0"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 1280, "kernel_size": 1}}
      """;

  @Test
  void scalesToTheBudgetAndWritesTheEvidence() throws IOException {
    Path arch = tmp.resolve("arch.json");
    Files.writeString(arch, ARCH);
    CliTest.Result base = CliTest.run("latency", "estimate", "--hardware", "midap", "--arch", arch.toString(), "--json");
    assertEquals(0, base.code(), base.err());
    double baseMs = new ObjectMapper().readTree(base.out()).get("latency_ms").asDouble();
    Path out = tmp.resolve("scale");
    CliTest.Result r = CliTest.run("scale", "--arch", arch.toString(), "--hardware", "midap", "--budget-ms",
        String.valueOf(baseMs * 2), "--widths", "1:1.5:0.1", "--depths", "1:2:0.5", "--resolutions", "1:1.3:0.1",
        "--depth-list", "3,3,4", "--out", out.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    // the grid, the given depth list and the 2^3 - 1 lists adding a block to some stages, each with every w and r
    assertEquals(6 * 4 * 3 + 6 * 4 * (1 + 7), j.get("candidates").asInt());
    assertTrue(j.get("estimated_latency_ms").asDouble() <= baseMs * 2);
    assertEquals(baseMs, j.get("base_ms").asDouble(), 1e-9);
    assertEquals(6 * 4 * 3 + 6 * 4 * (1 + 7) + 1, Files.readAllLines(out.resolve("candidates.csv")).size());
    assertTrue(Files.size(out.resolve("candidates.png")) > 1000 && Files.exists(out.resolve("scaled_model.json")));
  }

  @Test
  void unreachableBudgetsAndBadOptionsExitTwo() throws IOException {
    Path arch = tmp.resolve("arch.json");
    Files.writeString(arch, ARCH);
    CliTest.Result low = CliTest.run("scale", "--arch", arch.toString(), "--hardware", "midap", "--budget-ms", "0.01",
        "--out", tmp.resolve("a").toString());
    assertEquals(2, low.code());
    assertTrue(low.err().contains("budget-ms") && low.err().contains("lower target"), low.err());
    CliTest.Result by = CliTest.run("scale", "--arch", arch.toString(), "--hardware", "midap", "--budget-ms", "5",
        "--by", "flops");
    assertEquals(2, by.code());
    assertTrue(by.err().contains("--by"), by.err());
    CliTest.Result dl = CliTest.run("scale", "--arch", arch.toString(), "--hardware", "midap", "--budget-ms", "5",
        "--depth-list", "3,3");
    assertEquals(2, dl.code());
    assertTrue(dl.err().contains("one per stage"), dl.err());
    CliTest.Result extra = CliTest.run("scale", "--arch", arch.toString(), "--hardware", "midap", "--budget-ms", "5",
        "--stage-extra", "4");
    assertEquals(2, extra.code());
    assertTrue(extra.err().contains("--stage-extra"), extra.err());
    CliTest.Result huge = CliTest.run("scale", "--arch", arch.toString(), "--hardware", "midap", "--budget-ms", "5",
        "--widths", "1:3:0.001", "--resolutions", "1:3:0.001");
    assertEquals(2, huge.code());
    assertTrue(huge.err().contains("at most 1,000,000 candidates"), huge.err());
    assertTrue(!Files.exists(tmp.resolve("a")));
  }
}
