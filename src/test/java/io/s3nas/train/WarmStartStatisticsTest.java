package io.s3nas.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A warm-started network (a post-processing arm: its activation swapped) evaluates with running
 * BatchNorm statistics of its own after a short arm, not those of the network it started from: a
 * 43-step arm started at step 344 (running momentum 0.975) still carried a third of the old
 * statistics, and an h-swish arm of a quickstart network scored 31.8% against its base's 83.3%
 * (docs/method.md §9).
 */
class WarmStartStatisticsTest {
  private static final String BASE = """
      {"img_size": 8, "img_c": 1, "n_classes": 4,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r1_k3_s11_e2_i8_o8_c0"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}%s}
      """;

  @Test
  void aWarmStartRestartsTheRunningStatisticsRamp() {
    int n = 16;
    Random r = new Random(3);
    float[] x = new float[n * 64];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 4;
    }
    TrainingSettings s = TrainingSettings.defaults(1, n, 1, 0);
    FinalTrainer base = new FinalTrainer(arch(""), s, 100);
    for (int step = 0; step < 200; step++) { // the momentum ramp at 0.96 by now: 20 more steps keep 43%
      base.train(x, y);
    }
    FinalTrainer arm = new FinalTrainer(arch(", \"act_fn\": \"hsw\""), s, 100);
    arm.warmStart(base.state());
    // statistics the arm's network never computes: what is left of them after 20 steps is what the
    // arm still carries of the network it started from
    float[] mean = arm.net().tensors().get("block0.expand.bn.mean");
    assertTrue(mean != null, "names: " + arm.net().tensors().keySet());
    Arrays.fill(mean, 1000f);
    for (int step = 0; step < 20; step++) {
      arm.train(x, y);
    }
    for (float m : mean) {
      assertTrue(Math.abs(m) < 1, "carried over: " + Arrays.toString(mean));
    }
  }

  private static Architecture arch(String act) {
    return Architecture.of(ModelJson.parse(BASE.formatted(act), "warm"), "warm");
  }
}
