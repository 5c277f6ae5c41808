package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.latency.measured.Backend;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.Nd4jBackend;
import io.s3nas.latency.measured.OnnxRuntimeBackend;
import io.s3nas.latency.measured.PassTimer;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The CPU platform's mechanics on a tiny supernet with few timing rounds (accuracy is a benchmark). */
class MeasuredLatencyModelTest {
  @TempDir Path tmp;

  static final String TINY = """
      {"img_size": 8, "img_c": 1, "n_classes": 3,
       "first_conv": {"cls": "Conv2D", "output_filters": 4, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5,5,7_s11_e2,2,2_i4_o4_c102", "r1_k5_s22_e6_i4_o8_c12"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}}
      """;

  private MeasuredLatencyModel model(String backend) {
    Backend b = backend.equals("nd4j") ? new Nd4jBackend() : new OnnxRuntimeBackend();
    return new MeasuredLatencyModel(backend, b, new PassTimer(1, 2, 2, 2, 0.2, 0), 1, tmp, true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nd4j", "onnxruntime"})
  void profilesEveryOutcomeOnceAndCachesTheTable(String backend) throws IOException {
    ModelSpec tiny = ModelJson.parse(TINY, "tiny");
    SearchSpace space = SearchSpace.of(tiny);
    MeasuredLatencyModel m = model(backend);
    NetworkLatency nl = NetworkLatency.of(space, m);
    // stem, head conv, pool, classifier + distinct block outcomes (two residual positions share theirs)
    int distinct = 15 + 6;
    assertEquals(4 + distinct, m.measuredCount());
    assertTrue(Files.exists(m.tableFile()));
    assertTrue(nl.maxMs() > nl.minMs() && nl.minMs() > 0);
    MeasuredLatencyModel again = model(backend);
    assertEquals(m.measuredCount(), again.measuredCount(), "a second model reads the cache instead of measuring");
    assertEquals(nl.maxMs(), NetworkLatency.of(space, again).maxMs(), 1e-12);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nd4j", "onnxruntime"})
  void validatorCalibratesAndReports(String backend) throws IOException {
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    MeasuredLatencyModel m = model(backend);
    LatencyValidator.Report r = LatencyValidator.validate(m, space, 4, 3, 1, i -> {});
    assertEquals(4, r.rows().size());
    assertTrue(m.calibrated(), "a calibration with its held-out errors is stored");
    assertEquals(4, m.calibration().heldOutErrors().length);
    double[] est = r.rows().stream().mapToDouble(LatencyValidator.Row::estimatedMs).toArray();
    double[] meas = r.rows().stream().mapToDouble(LatencyValidator.Row::measuredMs).toArray();
    assertEquals(RankStats.spearman(est, meas), r.spearman(), 1e-12);
    for (LatencyValidator.Row row : r.rows()) {
      assertTrue(row.measuredMs() > 0 && row.sumMs() > 0, "measured " + row);
      // three calibration networks fit no parameter term: estimate = intercept + scale · sum
      assertEquals(0, r.perMParamsMs());
      assertEquals(row.sumMs() * r.scale() + r.interceptMs(), row.estimatedMs(), 1e-9);
    }
  }
}
