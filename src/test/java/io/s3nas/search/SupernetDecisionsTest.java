package io.s3nas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockOutcome;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SupernetDecisionsTest {
  private static final SearchSpace FASHION = SearchSpace.of(TestData.supernet(TestData.FASHION));
  private static final NetworkLatency LATENCY =
      NetworkLatency.of(FASHION, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));

  static List<List<float[]>> weights(SupernetDecisions d, long seed) {
    Random r = new Random(seed);
    List<List<float[]>> all = new ArrayList<>();
    for (SearchableBlock b : d.space().blocks()) {
      List<float[]> ws = new ArrayList<>();
      for (int i = 0; i < b.branches().size(); i++) {
        float[] w = new float[d.kernel(b.index(), i).weightCount()];
        double std = Math.sqrt(2.0 / (d.kernel(b.index(), i).kernelSize() * d.kernel(b.index(), i).kernelSize()));
        for (int j = 0; j < w.length; j++) {
          w[j] = (float) (r.nextGaussian() * std);
        }
        ws.add(w);
      }
      all.add(ws);
    }
    return all;
  }

  @Test
  void theFashionSupernetHas108Thresholds() {
    assertEquals(108, new SupernetDecisions(FASHION).thresholdCount());
  }

  @Test
  void atInitialisationEveryBlockDerivesItsAllPathsOutcomeAndItsLatency() {
    SupernetDecisions d = new SupernetDecisions(FASHION);
    SupernetDecisions.Pass p = d.forward(weights(d, 1), IndicatorMode.HARD, null, true);
    // branches k5 e2, k5 e2, k7 e2 all on: equal kernels merge into k5 e4 (docs/method.md §3)
    BlockOutcome full = new BlockOutcome(List.of(5, 7), List.of(4, 2));
    int[] c = d.derive(p);
    for (SearchableBlock b : FASHION.blocks()) {
      assertEquals(full, b.outcomes().get(c[b.index()]), "block " + b.index());
    }
    assertEquals(LATENCY.estimate(c), d.expectedLatency(LATENCY, p), 1e-9);
    assertTrue(LATENCY.estimate(c) <= LATENCY.maxMs());
  }

  @Test
  void hugeThresholdsSkipResidualBlocksAndKeepTheCoreElsewhere() {
    SupernetDecisions d = new SupernetDecisions(FASHION);
    for (SearchableBlock b : FASHION.blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        java.util.Arrays.fill(d.kernel(b.index(), i).kernelThresholds(), 1e6);
        java.util.Arrays.fill(d.kernel(b.index(), i).channelThresholds(), 1e6);
      }
    }
    SupernetDecisions.Pass p = d.forward(weights(d, 2), IndicatorMode.HARD, null, true);
    int[] c = d.derive(p);
    for (SearchableBlock b : FASHION.blocks()) {
      BlockOutcome o = b.outcomes().get(c[b.index()]);
      assertEquals(b.residual() ? BlockOutcome.SKIP : new BlockOutcome(List.of(3), List.of(2)), o, "block " + b.index());
    }
    Architecture a = d.architecture(p);
    assertEquals(4, a.blocks().size(), "only the four stride/width-changing blocks remain");
    assertEquals(LATENCY.minMs(), d.expectedLatency(LATENCY, p), 1e-9);
  }

  @Test
  void afterOneSearchStepEveryThresholdHasANonZeroGradient() {
    SupernetDecisions d = new SupernetDecisions(FASHION);
    List<List<float[]>> w = weights(d, 3);
    SupernetDecisions.Pass p = d.forward(w, IndicatorMode.HARD, null, true);
    LatencyLoss loss = LatencyLoss.paperDefaults(LATENCY.maxMs() / 2);
    double[][][] dProb = d.latencyGradient(LATENCY, p, loss);
    int nonZero = 0;
    for (SearchableBlock b : FASHION.blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = d.kernel(b.index(), i);
        float[] zeros = new float[k.weightCount()];
        BranchSuperkernel.Gradients g = k.backward(w.get(b.index()).get(i), p.branches().get(b.index()).get(i), zeros, dProb[b.index()][i]);
        for (int j = 1; j < g.kernelThresholds().length; j++) {
          assertNotEquals(0.0, g.kernelThresholds()[j], "block " + b.index() + " branch " + i + " kernel " + j);
          nonZero++;
        }
        for (int m = b.branches().get(i).canZeroOut() ? 0 : 1; m < g.channelThresholds().length; m++) {
          assertNotEquals(0.0, g.channelThresholds()[m], "block " + b.index() + " branch " + i + " channel " + m);
          nonZero++;
        }
      }
    }
    assertEquals(108, nonZero);
  }

  @Test
  void latencyTermGradientMatchesFiniteDifferencesThroughTheWholeChain() {
    SupernetDecisions d = new SupernetDecisions(FASHION);
    List<List<float[]>> w = weights(d, 4);
    // soft indicators near their switching points
    SupernetDecisions.Pass p0 = d.forward(w, IndicatorMode.SOFT, null, true);
    for (SearchableBlock b : FASHION.blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel.Forward f = p0.branches().get(b.index()).get(i);
        BranchSuperkernel k = d.kernel(b.index(), i);
        for (int j = 0; j < k.kernelThresholds().length; j++) {
          k.kernelThresholds()[j] = f.ringNorm()[j] - 0.5;
        }
        for (int m = 0; m < k.channelThresholds().length; m++) {
          k.channelThresholds()[m] = f.groupNorm()[m] - 0.5;
        }
      }
    }
    SupernetDecisions.Pass p = d.forward(w, IndicatorMode.SOFT, null, true);
    double lat = d.expectedLatency(LATENCY, p);
    LatencyLoss loss = new LatencyLoss(15, 100, lat * 0.8);
    double[][][] dProb = d.latencyGradient(LATENCY, p, loss);
    int block = 5;
    int branch = 2;
    BranchSuperkernel k = d.kernel(block, branch);
    BranchSuperkernel.Gradients g = k.backward(w.get(block).get(branch), p.branches().get(block).get(branch),
        new float[k.weightCount()], dProb[block][branch]);
    double h = 1e-4;
    for (int j = 1; j < k.kernelThresholds().length; j++) {
      double t = k.kernelThresholds()[j];
      k.kernelThresholds()[j] = t + h;
      double up = loss.value(d.expectedLatency(LATENCY, d.forward(w, IndicatorMode.SOFT, null, true)));
      k.kernelThresholds()[j] = t - h;
      double down = loss.value(d.expectedLatency(LATENCY, d.forward(w, IndicatorMode.SOFT, null, true)));
      k.kernelThresholds()[j] = t;
      double fd = (up - down) / (2 * h);
      assertEquals(fd, g.kernelThresholds()[j], 1e-3 * Math.max(1, Math.abs(fd)));
      assertTrue(Math.abs(fd) > 1e-3, "the latency term moves this threshold");
    }
  }
}
