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
    CliTest.Result r = CliTest.run("postprocess", "--arch", arch.toString(), "--hardware", "custom", "--budget-ms", "1000",
        "--data", data.toString(), "--batch", "16", "--probe-epochs", "1", "--out", out.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(2 + 2 + 1, j.get("decisions").size(), "SE and h-swish per stage, h-swish global");
    for (JsonNode d : j.get("decisions")) {
      assertTrue(d.has("delta_ms") && d.has("gain_points") && d.has("reason") && d.has("cost_method"), d.toString());
    }
    assertTrue(j.get("final_ms").asDouble() <= 1000);
    assertTrue(Files.exists(out.resolve("postprocessed_model.json")) && Files.exists(out.resolve("postprocess.json")));
    CliTest.Result low = CliTest.run("postprocess", "--arch", arch.toString(), "--hardware", "custom", "--budget-ms",
        "0.000001", "--data", data.toString(), "--out", tmp.resolve("x").toString());
    assertEquals(2, low.code());
    assertTrue(low.err().contains("--budget-ms"), low.err());
    assertTrue(!Files.exists(tmp.resolve("x")));
  }
}
