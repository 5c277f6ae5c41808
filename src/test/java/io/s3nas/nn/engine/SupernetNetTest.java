package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The whole supernet's backward pass against finite differences of its loss, on a tiny net. */
class SupernetNetTest {
  static final String TINY = """
      {"img_size": 6, "img_c": 1, "n_classes": 3,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5,5,7_s11_e2,2,2_i8_o8_c102", "r1_k5_s22_e6_i8_o16_c12"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}}
      """;

  /** The searchable fused block (c16): the full k×k front conv is the superkernel. */
  static final String FUSED = """
      {"img_size": 6, "img_c": 1, "n_classes": 3,
       "first_conv": {"cls": "Conv2D", "output_filters": 4, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5_s11_e4_i4_o4_c16", "r1_k5,5,7_s22_e2,2,2_i4_o8_c102"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 1}}
      """;

  @Test
  void gradientsMatchFiniteDifferences() {
    check(TINY);
  }

  @Test
  void fusedSupernetGradientsMatchFiniteDifferences() {
    check(FUSED);
  }

  void check(String json) {
    SearchSpace space = SearchSpace.of(ModelJson.parse(json, "tiny"));
    SupernetNet net = new SupernetNet(space, 3, 2, 0.0, 0.99, 1e-3);
    int n = 4;
    float[] x = KernelGradientTest.random(n * 36, 1);
    int[] labels = {0, 1, 2, 1};
    float[][][] hat = new float[space.blocks().size()][][];
    for (int b = 0; b < hat.length; b++) {
      hat[b] = new float[space.blocks().get(b).branches().size()][];
      for (int i = 0; i < hat[b].length; i++) {
        hat[b][i] = net.depthwise(b, i).value(); // Ŵ = W: all paths on
      }
    }
    net.zeroGrad();
    float[] logits = net.forward(x, n, hat, true, new Random(0));
    float[] dl = new float[logits.length];
    SoftmaxCrossEntropy.lossAndGradient(logits, labels, 3, 0.1, dl);
    net.backward(dl);
    Random pick = new Random(2);
    int checked = 0;
    int ok = 0;
    for (Param p : net.params()) {
      boolean depthwise = p.name().contains(".dw") || p.name().endsWith(".fused.conv");
      float[] analytic = p.grad();
      if (depthwise) {
        int b = Integer.parseInt(p.name().replaceAll("block(\\d+)\\..*", "$1"));
        int i = p.name().contains(".dw") ? Integer.parseInt(p.name().replaceAll("block\\d+\\.dw(\\d+)", "$1")) : 0;
        analytic = net.weightHatGrad(b, i); // Ŵ is W here, so ∂L/∂Ŵ is ∂L/∂W
      }
      for (int t = 0; t < 3; t++) {
        int j = pick.nextInt(p.size());
        float keep = p.value()[j];
        double h = 3e-3;
        p.value()[j] = (float) (keep + h);
        double up = loss(net, x, n, hat, labels);
        p.value()[j] = (float) (keep - h);
        double down = loss(net, x, n, hat, labels);
        p.value()[j] = keep;
        double fd = (up - down) / (2 * h);
        boolean match = Math.abs(fd - analytic[j]) <= 2e-3 + 2e-2 * Math.abs(fd);
        ok += match ? 1 : 0;
        checked++;
      }
    }
    assertTrue(checked > 30);
    // A weight perturbation shifts a whole channel before batch normalisation, so in a tiny batch a
    // ReLU input or two crosses zero inside the finite-difference interval and that sample's
    // difference quotient is off by ~10%: 113 of 117 match here, and every kernel is checked exactly
    // in KernelGradientTest.
    assertTrue(ok >= checked * 0.9, ok + " of " + checked + " parameter gradients match");
  }

  static double loss(SupernetNet net, float[] x, int n, float[][][] hat, int[] labels) {
    float[] logits = net.forward(x, n, hat, true, new Random(0));
    return SoftmaxCrossEntropy.lossAndGradient(logits, labels, 3, 0.1, new float[logits.length]);
  }
}
