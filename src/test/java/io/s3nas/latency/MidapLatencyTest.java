package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockOutcome;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MidapLatencyTest {
  private static final HardwareRegistry REGISTRY = HardwareRegistry.load(Path.of("conf/hardware"));

  private static int[] everyBlock(SearchSpace s, BlockOutcome o) {
    int[] c = new int[s.blocks().size()];
    for (SearchableBlock b : s.blocks()) {
      c[b.index()] = b.outcomeIndex(o);
    }
    return c;
  }

  @Test
  void sumsEqualThePublishedTableExactly() {
    LatencyModel midap = REGISTRY.model("midap");
    SearchSpace s = SearchSpace.of(TestData.supernet("mbconv_super_4_4_4_4_4"));
    NetworkLatency nl = NetworkLatency.of(s, midap);
    int[] big = everyBlock(s, new BlockOutcome(List.of(5), List.of(6)));
    int[] small = everyBlock(s, new BlockOutcome(List.of(3), List.of(2)));
    assertEquals(3.051223, nl.estimate(big), 1e-9);
    assertEquals(0.781328, nl.estimate(small), 1e-9);
    // the same through a fixed architecture's own space
    NetworkLatency.Breakdown b = NetworkLatency.estimate(s.architecture(big), midap);
    assertEquals(3.051223, b.totalMs(), 1e-9);
    assertTrue(b.notFromTable().isEmpty());
    assertEquals(20 + 4, b.parts().size());
  }

  @Test
  void expectationIsTheOneHotEstimateAndLinearInProbabilities() {
    LatencyModel midap = REGISTRY.model("midap");
    SearchSpace s = SearchSpace.of(TestData.supernet("mixconv_super_3_4_7_4_11"));
    NetworkLatency nl = NetworkLatency.of(s, midap);
    java.util.Random r = new java.util.Random(5);
    int[] c = LatencyValidator.sample(s, r);
    double[][] oneHot = new double[c.length][];
    double[][] uniform = new double[c.length][];
    double meanSum = nl.constantMs();
    for (SearchableBlock b : s.blocks()) {
      int n = b.outcomes().size();
      oneHot[b.index()] = new double[n];
      oneHot[b.index()][c[b.index()]] = 1;
      uniform[b.index()] = new double[n];
      java.util.Arrays.fill(uniform[b.index()], 1.0 / n);
      for (int o = 0; o < n; o++) {
        meanSum += nl.outcomeMs(b.index(), o) / n;
      }
    }
    assertEquals(nl.estimate(c), nl.expected(oneHot), 1e-12);
    assertEquals(meanSum, nl.expected(uniform), 1e-12);
    // dL/dP[b][o] is the outcome's latency: check against a finite difference
    double h = 1e-3;
    uniform[7][3] += h;
    double up = nl.expected(uniform);
    uniform[7][3] -= 2 * h;
    double down = nl.expected(uniform);
    assertEquals(nl.outcomeMs(7, 3), (up - down) / (2 * h), 1e-9);
    assertTrue(nl.minMs() < nl.estimate(c) && nl.estimate(c) < nl.maxMs());
  }

  @Test
  void shapesTheTableLacksArePredictedAndReported() {
    LatencyModel midap = REGISTRY.model("midap");
    SearchSpace fashion = SearchSpace.of(TestData.supernet(TestData.FASHION));
    int[] c = new int[fashion.blocks().size()];
    for (int i = 0; i < c.length; i++) {
      c[i] = 1;
    }
    NetworkLatency.Breakdown b = NetworkLatency.estimate(fashion.architecture(c), midap);
    assertTrue(b.totalMs() > 0);
    assertEquals(b.parts().size(), b.notFromTable().size(), "no 28x28 shape is in the 224 table");
    assertEquals(0, b.parts().stream().filter(p -> p.name().equals("pool")).findFirst().orElseThrow().ms(),
        "pooling is free on MIDAP at every size");
    assertTrue(b.notFromTable().stream().allMatch(p -> p.source() == LatencySource.PREDICTED));
  }

  @Test
  void aMissingEntryWithoutPredictorNamesTheKey() {
    LatencyTable t = TestData.midap();
    TableLatencyModel strict = new TableLatencyModel("midap", t, 1e6, false, 64, null);
    Architecture a = SearchSpace.of(TestData.supernet(TestData.FASHION)).architecture(new int[16]);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> NetworkLatency.estimate(a, strict));
    assertTrue(e.getMessage().contains("Conv2D/k3_s11_i1_o16_imgsize28"), e.getMessage());
    assertTrue(e.getMessage().contains("predictor did not fill it"), e.getMessage());
  }

  @Test
  void predictorMeetsTheHeldOutAccuracyBar() {
    TableLatencyModel midap = (TableLatencyModel) REGISTRY.model("midap");
    LatencyPredictor.Accuracy acc = LatencyPredictor.crossValidate(midap.samples(), 64, 10, 1);
    assertEquals(739, acc.n());
    assertTrue(acc.within10() >= 0.95, "within 10%: " + acc.within10());
  }
}
