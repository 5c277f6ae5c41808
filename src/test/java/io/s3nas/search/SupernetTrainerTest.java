package io.s3nas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The training step end to end on a tiny supernet and a learnable synthetic task. */
class SupernetTrainerTest {
  static final String TINY = """
      {"img_size": 8, "img_c": 1, "n_classes": 2,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r3_k5,5,7_s11_e2,2,2_i8_o8_c102", "r2_k5_s22_e6_i8_o16_c12"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}}
      """;

  /** Class 1 images are brighter in their left half. */
  static float[] images(int n, int[] labels, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 64];
    for (int b = 0; b < n; b++) {
      labels[b] = b % 2;
      for (int i = 0; i < 64; i++) {
        x[b * 64 + i] = (float) (r.nextGaussian() * 0.5 + (labels[b] == 1 && i % 8 < 4 ? 1.0 : 0.0));
      }
    }
    return x;
  }

  @Test
  void warmupLearnsAndSearchMeetsATightLatencyTarget() {
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    SearchSettings s = SearchSettings.defaults(16, 1.0, 2, 7);
    SupernetTrainer probe = new SupernetTrainer(space, latency, s, 10);
    double start = probe.decisions().expectedLatency(latency, probe.currentDecisions());
    double target = latency.minMs() + 0.6 * (start - latency.minMs());
    s = new SearchSettings(16, 0.05, 0.97, 2.4, 0.9, 0.9, 1e-3, 1e-5, 0.1, 10, 15, 100, target, 0.0, 0.99, 1e-3,
        true, 2, 7, 1.0, 0, false, 1, 8, 0, false, false);
    SupernetTrainer t = new SupernetTrainer(space, latency, s, 10);
    int[] y = new int[16];
    double first = 0;
    double last = 0;
    for (int step = 0; step < 40; step++) {
      float[] x = images(16, y, step);
      SupernetTrainer.Step r = t.train(x, y, SupernetTrainer.Phase.WARMUP);
      if (step < 5) {
        first += r.crossEntropy() / 5;
      }
      if (step >= 35) {
        last += r.crossEntropy() / 5;
      }
      assertEquals(0, r.latencyTerm());
    }
    assertTrue(last < first, "warm-up cross-entropy falls: " + first + " -> " + last);
    double before = t.decisions().expectedLatency(latency, t.currentDecisions());
    SupernetTrainer.Step r = null;
    for (int step = 0; step < 200; step++) {
      r = t.train(images(16, y, 100 + step), y, SupernetTrainer.Phase.SEARCH);
    }
    double after = t.decisions().expectedLatency(latency, t.currentDecisions());
    assertTrue(before > target, "the target starts out binding");
    assertTrue(after <= target * 1.02, "expected latency " + after + " ms meets the target " + target + " ms (+2%)");
    Architecture derived = t.decisions().architecture(t.currentDecisions());
    assertEquals(after, NetworkLatency.estimate(derived, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"))
        .totalMs(), 1e-9, "the derived architecture's estimate is the final hard expectation");
    assertTrue(r.learningRate() > 0);
  }

  /**
   * The evidence-spread start: every trainable threshold below its norm by a margin between
   * margin/spread and margin·spread, log-uniformly by rank (the rank's source, accuracy per ms, is
   * the superkernels' indicator gradients, whose threshold parts the gradient checks cover).
   */
  @Test
  void theSearchStartSpreadsMarginsByAccuracyPerMs() {
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    SupernetTrainer t = new SupernetTrainer(space, latency, SearchSettings.defaults(16, 1.0, 2, 7), 10);
    int[] y = new int[16];
    for (int step = 0; step < 20; step++) {
      t.train(images(16, y, step), y, SupernetTrainer.Phase.WARMUP);
    }
    java.util.List<io.s3nas.data.Batch> probe = new java.util.ArrayList<>();
    for (int b = 0; b < 4; b++) {
      float[] x = images(16, y, 500 + b);
      probe.add(new io.s3nas.data.Batch(org.nd4j.linalg.factory.Nd4j.create(x, new long[] {16, 1, 8, 8}, 'c'),
          y.clone()));
    }
    t.startSearch(1.0, 4.0, probe);
    SupernetDecisions.Pass p = t.currentDecisions();
    java.util.List<Double> margins = new java.util.ArrayList<>();
    for (var b : space.blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = t.decisions().kernel(b.index(), i);
        BranchSuperkernel.Forward f = p.branches().get(b.index()).get(i);
        for (int j = 1; j < k.kernelThresholds().length; j++) {
          margins.add(f.ringNorm()[j] - k.kernelThresholds()[j]);
        }
        for (int m = b.branches().get(i).canZeroOut() ? 0 : 1; m < k.channelThresholds().length; m++) {
          margins.add(f.groupNorm()[m] - k.channelThresholds()[m]);
        }
      }
    }
    java.util.Collections.sort(margins);
    assertEquals(0.25, margins.get(0), 1e-9, "the least valuable a quarter of the margin below its norm");
    assertEquals(4.0, margins.get(margins.size() - 1), 1e-9, "the most valuable four times the margin");
    for (int r = 0; r < margins.size(); r++) {
      assertEquals(Math.pow(4.0, 2.0 * r / (margins.size() - 1) - 1), margins.get(r), 1e-9, "log-uniform by rank");
    }
  }

  /** Every trainable threshold of the trainer, in a fixed order. */
  static double[] thresholds(SupernetTrainer t) {
    java.util.List<Double> all = new java.util.ArrayList<>();
    for (var b : t.decisions().space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = t.decisions().kernel(b.index(), i);
        for (double v : k.kernelThresholds()) {
          all.add(v);
        }
        for (double v : k.channelThresholds()) {
          all.add(v);
        }
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** One search step from the same state on the same images, labelled one way or the opposite way. */
  static double[] afterOneSearchStep(SearchSettings s, boolean flipLabels) {
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    SupernetTrainer t = new SupernetTrainer(space, latency, s, 10);
    int[] y = new int[16];
    for (int step = 0; step < 10; step++) {
      t.train(images(16, y, step), y, SupernetTrainer.Phase.WARMUP);
    }
    t.startSearch(1.0);
    float[] x = images(16, y, 99);
    if (flipLabels) {
      for (int i = 0; i < y.length; i++) {
        y[i] = 1 - y[i];
      }
    }
    t.train(x, y, SupernetTrainer.Phase.SEARCH);
    return thresholds(t);
  }

  /**
   * The ablation: with the accuracy term removed from the thresholds' gradient, what the labels say
   * cannot move a threshold; with it (the method), the same step on opposite labels moves them
   * differently. The search start's margin makes the latency part large, as in a real search.
   */
  @Test
  void theLatencyOnlyAblationMakesThresholdsBlindToTheLabels() {
    SearchSettings base = SearchSettings.defaults(16, 0.3, 2, 7);
    double[] a = afterOneSearchStep(base, false);
    double[] b = afterOneSearchStep(base, true);
    double differ = 0;
    for (int i = 0; i < a.length; i++) {
      differ = Math.max(differ, Math.abs(a[i] - b[i]));
    }
    assertTrue(differ > 1e-6, "with the accuracy term the labels move the thresholds (max difference " + differ + ")");
    SearchSettings ablated = base.withLatencyOnlyThresholds(true);
    org.junit.jupiter.api.Assertions.assertArrayEquals(afterOneSearchStep(ablated, false),
        afterOneSearchStep(ablated, true), 0, "latency alone: the labels do not matter");
  }

  /**
   * One shared mean square keeps the thresholds' steps in proportion to their gradients; each
   * threshold's own (the paper's RMSProp, from cleared slots) makes the first steps all the same size.
   */
  @Test
  void aSharedMeanSquareKeepsTheStepsInProportion() {
    SearchSettings base = SearchSettings.defaults(16, 0.3, 2, 7).withLatencyOnlyThresholds(true);
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    double[][] moved = new double[2][];
    for (int v = 0; v < 2; v++) {
      SupernetTrainer t = new SupernetTrainer(space, latency, base.withSharedThresholdScale(v == 1), 10);
      int[] y = new int[16];
      t.train(images(16, y, 0), y, SupernetTrainer.Phase.WARMUP);
      t.startSearch(1.0);
      double[] before = thresholds(t);
      t.train(images(16, y, 1), y, SupernetTrainer.Phase.SEARCH);
      double[] after = thresholds(t);
      moved[v] = new double[before.length];
      for (int i = 0; i < before.length; i++) {
        moved[v][i] = Math.abs(after[i] - before[i]);
      }
    }
    java.util.DoubleSummaryStatistics own = java.util.Arrays.stream(moved[0]).filter(d -> d > 0).summaryStatistics();
    java.util.DoubleSummaryStatistics shared = java.util.Arrays.stream(moved[1]).filter(d -> d > 0).summaryStatistics();
    assertTrue(own.getCount() > 3 && shared.getCount() == own.getCount(), "the same thresholds move");
    // each its own: RMSProp's first step from a cleared slot is lr·g/√(0.1·g² + ε), nearly the same for
    // every gradient well above √ε; shared: lr·g/√(mean g² + ε), in proportion to g
    double ownSpread = own.getMax() / own.getMin();
    double sharedSpread = shared.getMax() / shared.getMin();
    assertTrue(sharedSpread > 2 * ownSpread, "a shared mean square keeps the steps as uneven as the gradients: "
        + "spread " + sharedSpread + " against " + ownSpread + " with each threshold's own");
  }
}
