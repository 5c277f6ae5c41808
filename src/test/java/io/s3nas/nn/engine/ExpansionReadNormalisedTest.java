package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Training whose depthwise layers read the expansion's product normalised image by image (no
 * expansion output written; FinalBlock#frontNormalisedOnRead) gives the logits and every gradient
 * of training that writes the expansion's output and reads it back: MixConv with a residual (stride
 * 1, by input rows), a stride-2 MixConv (tap by tap), a k7 on a map small enough for padded rows, and
 * a block with SE, which keeps the written output, between them. The two sum the BatchNorms'
 * statistics over different groups of rows, so they agree to rounding, not bit for bit.
 */
class ExpansionReadNormalisedTest {
  private static final String NET = """
      {"img_size": 12, "img_c": 2, "n_classes": 5,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k3,5_s11_e2,4_i8_o8_c100", "r1_k3,5_s22_e2,2_i8_o16_c100", "r1_k7_s11_e3_i16_o16_c100",
                       "r1_k3_s11_e2_i16_o16_c0_se0.25"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 1},
       "act_fn": "relu"}
      """;

  @Test
  void givesTheLogitsAndGradientsOfTrainingThatWritesTheExpansion() {
    Architecture arch = Architecture.of(ModelJson.parse(NET, "read-normalised"), "read-normalised");
    int n = 7;
    float[] x = KernelGradientTest.random(n * 12 * 12 * 2, 8);
    int[] labels = {0, 1, 2, 3, 4, 0, 1};
    Run normalisedOnRead = run(arch, x, labels, true);
    Run written = run(arch, x, labels, false);
    StringBuilder misses = new StringBuilder();
    for (int i = 0; i < written.values().size(); i++) {
      float[] a = written.values().get(i);
      float[] b = normalisedOnRead.values().get(i);
      double scale = 0;
      for (float v : a) {
        scale = Math.max(scale, Math.abs(v));
      }
      // rounding relative to the tensor's largest value; gradients that are zero but for rounding (a
      // BatchNorm's β before another BatchNorm) under the absolute floor
      for (int j = 0; j < a.length; j++) {
        if (Math.abs(a[j] - b[j]) > 1e-6 + 1e-4 * scale) {
          misses.append(String.format(" %s[%d] %.7f vs %.7f;", written.names().get(i), j, a[j], b[j]));
          break;
        }
      }
    }
    assertTrue(misses.isEmpty(), "differ:" + misses);
  }

  /** What a run gives, each with its name. */
  private record Run(List<String> names, List<float[]> values) {}

  /** Logits of two training steps, then every parameter's gradient of the second. */
  private static Run run(Architecture arch, float[] x, int[] labels, boolean readNormalised) {
    FinalNet net = new FinalNet(arch, 5, 2, 0.0, 0.0, 0.9, 1e-3);
    assertEquals(readNormalised ? 4 : 0, net.readExpansionNormalised(readNormalised),
        "every expanded block without SE reads its expansion normalised");
    List<float[]> out = new ArrayList<>();
    List<String> names = new ArrayList<>(List.of("logits of step 1", "logits of step 2"));
    for (int step = 0; step < 2; step++) {
      net.zeroGrad();
      float[] logits = net.forward(x, labels.length, true, new Random(step));
      out.add(logits.clone());
      float[] dl = new float[logits.length];
      SoftmaxCrossEntropy.lossAndGradient(logits, labels, 5, 0.1, dl);
      net.backward(dl);
    }
    for (Param p : net.params()) {
      out.add(p.grad().clone());
      names.add(p.name());
    }
    return new Run(names, out);
  }
}
