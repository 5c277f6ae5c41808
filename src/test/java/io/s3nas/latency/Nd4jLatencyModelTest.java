package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.latency.nd4j.Nd4jLatencyModel;
import io.s3nas.latency.nd4j.Nd4jTimer;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CPU platform's mechanics on a tiny supernet with few timing rounds (accuracy is a benchmark). */
class Nd4jLatencyModelTest {
  @TempDir Path tmp;

  static final String TINY = """
      {"img_size": 8, "img_c": 1, "n_classes": 3,
       "first_conv": {"cls": "Conv2D", "output_filters": 4, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5,5,7_s11_e2,2,2_i4_o4_c102", "r1_k5_s22_e6_i4_o8_c12"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}}
      """;

  private Nd4jLatencyModel model() {
    return new Nd4jLatencyModel("cpu-nd4j", new Nd4jTimer(1, 2, 2, 2, 0.2, 0), 1, tmp, true);
  }

  @Test
  void profilesEveryOutcomeOnceAndCachesTheTable() throws IOException {
    ModelSpec tiny = ModelJson.parse(TINY, "tiny");
    SearchSpace space = SearchSpace.of(tiny);
    Nd4jLatencyModel m = model();
    NetworkLatency nl = NetworkLatency.of(space, m);
    // stem, head conv, pool, classifier + distinct block outcomes (two residual positions share theirs)
    int distinct = 15 + 6;
    assertEquals(4 + distinct, m.measuredCount());
    assertTrue(Files.exists(m.tableFile()));
    assertTrue(nl.maxMs() > nl.minMs() && nl.minMs() > 0);
    Nd4jLatencyModel again = model();
    assertEquals(m.measuredCount(), again.measuredCount(), "a second model reads the cache instead of measuring");
    assertEquals(nl.maxMs(), NetworkLatency.of(space, again).maxMs(), 1e-12);
  }

  @Test
  void validatorCalibratesAndReports() throws IOException {
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    Nd4jLatencyModel m = model();
    Path png = tmp.resolve("plot.png");
    LatencyValidator.Report r = LatencyValidator.validate(m, space, 4, 3, 1, png, i -> {});
    assertEquals(4, r.rows().size());
    assertTrue(Files.size(png) > 1000);
    assertTrue(m.calibrated());
    assertTrue(r.spearman() >= -1 && r.spearman() <= 1);
    for (LatencyValidator.Row row : r.rows()) {
      assertEquals(row.sumMs() * r.scale() + r.interceptMs(), row.estimatedMs(), 1e-9);
    }
  }
}
