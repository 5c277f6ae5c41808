package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The final-network engine's backward pass against finite differences, on a tiny net with every block kind. */
class FinalNetTest {
  /**
   * Stem stride 2; MixConv (unequal split, SE, h-swish) with residual; fused; MBConv e1; MixConv with
   * ReLU and no SE (its depthwise BatchNorm's gradient sums are read as the projection writes them);
   * final expand head.
   */
  static final String TINY = """
      {"img_size": 8, "img_c": 2, "n_classes": 3,
       "first_conv": {"cls": "Conv2D", "output_filters": 4, "kernel_size": 3, "strides": 2},
       "stages_args": ["r2_k3,5_s11_e2,4_i4_o4_c100_se0.5", "r1_k3_s22_e3_i4_o6_c15_relu", "r1_k5_s11_e1_i6_o6_c0_se0.5",
                      "r1_k3,5_s11_e2,3_i6_o6_c100_relu"],
       "final_expand_layer": {"cls": "Conv2D", "output_filters": 10, "kernel_size": 1},
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 1},
       "act_fn": "hsw", "se_inner_act_fn": "sw", "se_gating_fn": "hsigmoid"}
      """;

  @Test
  void gradientsMatchFiniteDifferences() {
    Architecture arch = Architecture.of(ModelJson.parse(TINY, "tiny"), "tiny");
    FinalNet net = new FinalNet(arch, 5, 2, 0.0, 0.3, 0.99, 1e-3);
    int n = 5;
    float[] x = KernelGradientTest.random(n * 8 * 8 * 2, 4);
    int[] labels = {0, 1, 2, 1, 0};
    net.zeroGrad();
    float[] logits = net.forward(x, n, true, new Random(9));
    float[] dl = new float[logits.length];
    SoftmaxCrossEntropy.lossAndGradient(logits, labels, 3, 0.1, dl);
    net.backward(dl);
    Random pick = new Random(2);
    int checked = 0;
    int ok = 0;
    StringBuilder misses = new StringBuilder();
    for (Param p : net.params()) {
      for (int t = 0; t < 3; t++) {
        int j = pick.nextInt(p.size());
        float keep = p.value()[j];
        double h = 2e-3;
        p.value()[j] = (float) (keep + h);
        double up = loss(net, x, n, labels);
        p.value()[j] = (float) (keep - h);
        double down = loss(net, x, n, labels);
        p.value()[j] = keep;
        double fd = (up - down) / (2 * h);
        boolean match = Math.abs(fd - p.grad()[j]) <= 1e-3 + 2e-2 * Math.abs(fd);
        ok += match ? 1 : 0;
        if (!match) {
          misses.append(String.format(" %s[%d] fd %.5f vs %.5f;", p.name(), j, fd, p.grad()[j]));
        }
        checked++;
      }
    }
    assertTrue(checked > 100, "checked " + checked);
    // as in SupernetNetTest, an activation kink crossed inside the interval can spoil a quotient or two
    assertTrue(ok >= checked * 0.95, ok + " of " + checked + " match;" + misses);
  }

  /**
   * Partial sums go by fixed slices of rows, not by thread ({@link Parallel#forSlices}): a training
   * step's gradients are the same floats at one thread and at two, whichever thread ran which slice.
   */
  @Test
  void gradientsAreTheSameFloatsAtOneThreadAndAtTwo() {
    Architecture arch = Architecture.of(ModelJson.parse(TINY, "tiny"), "tiny");
    int n = 40;
    float[] x = KernelGradientTest.random(n * 8 * 8 * 2, 6);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 3;
    }
    java.util.List<float[]> one = null;
    for (int threads : new int[] {1, 2}) {
      FinalNet net = new FinalNet(arch, 5, threads, 0.0, 0.3, 0.99, 1e-3);
      java.util.List<float[]> grads = new java.util.ArrayList<>();
      for (int step = 0; step < 3; step++) { // the same drop-connect draws at both thread counts
        net.zeroGrad();
        float[] logits = net.forward(x, n, true, new Random(step));
        float[] dl = new float[logits.length];
        SoftmaxCrossEntropy.lossAndGradient(logits, labels, 3, 0.1, dl);
        net.backward(dl);
        for (Param p : net.params()) {
          grads.add(p.grad().clone());
        }
      }
      if (one == null) {
        one = grads;
        continue;
      }
      for (int i = 0; i < grads.size(); i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(one.get(i), grads.get(i), "gradient " + i);
      }
    }
  }

  @Test
  void everyKindOfBlockIsBuiltWithItsParameters() {
    Architecture arch = Architecture.of(ModelJson.parse(TINY, "tiny"), "tiny");
    FinalNet net = new FinalNet(arch, 5, 1, 0.0, 0.0, 0.99, 1e-3);
    var t = net.tensors();
    assertTrue(t.containsKey("block0.dw1"), "MixConv second group");
    assertEquals(5 * 5 * 4 * 4, t.get("block0.dw1").length, "k5 over in·e = 16 channels");
    assertEquals(2, t.get("block0.se.reduce.bias").length, "SE squeezes to in·0.5");
    assertEquals(3 * 3 * 4 * 12, t.get("block2.fused.conv").length, "fused 3x3 conv to in·e channels");
    assertTrue(!t.containsKey("block3.expand.conv"), "e1 block has no expand conv");
    assertTrue(t.containsKey("head.expand.conv") && t.containsKey("head.mix") && t.containsKey("head.expand.bn.var"));
    long params = net.params().stream().mapToLong(Param::size).sum();
    assertEquals(arch.cost().params(), params, "engine parameters = the architecture's counted parameters");
  }

  @Test
  void activationDerivativesMatchFiniteDifferences() {
    for (Activation a : Activation.values()) {
      for (float v : new float[] {-4.1f, -2.2f, -0.7f, 0.4f, 1.9f, 3.6f, 6.8f}) {
        double h = 1e-3;
        double fd = (Act.apply(a, (float) (v + h)) - Act.apply(a, (float) (v - h))) / (2 * h);
        assertEquals(fd, Act.derivative(a, v), 2e-3, a + " at " + v);
      }
    }
  }

  static double loss(FinalNet net, float[] x, int n, int[] labels) {
    float[] logits = net.forward(x, n, true, new Random(9));
    return SoftmaxCrossEntropy.lossAndGradient(logits, labels, 3, 0.1, new float[logits.length]);
  }
}
