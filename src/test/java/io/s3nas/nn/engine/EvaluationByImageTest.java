package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Evaluation image by image gives the logits of evaluation layer by layer, bit for bit: MixConv with
 * a residual, a stride-2 k7 block whose small map goes on padded rows (whose ring must not carry
 * one image's rows into the next), an e1 block without expansion, a block with SE that stays layer
 * by layer between them, on trained running statistics and more images than threads.
 */
class EvaluationByImageTest {
  private static final String NET = """
      {"img_size": 12, "img_c": 2, "n_classes": 5,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k3,5_s11_e2,4_i8_o8_c100", "r1_k7_s22_e3_i8_o16_c0", "r1_k5_s11_e1_i16_o16_c0",
                       "r1_k3_s11_e2_i16_o16_c0_se0.25", "r1_k3,5,7_s11_e2,1,1_i16_o24_c100"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 1},
       "act_fn": "relu"}
      """;

  @Test
  void givesTheLogitsOfTheLayerByLayerEvaluation() {
    Architecture arch = Architecture.of(ModelJson.parse(NET, "by-image"), "by-image");
    FinalNet net = new FinalNet(arch, 3, 2, 0.0, 0.0, 0.9, 1e-3);
    int n = 7;
    float[] x = KernelGradientTest.random(n * 12 * 12 * 2, 5);
    for (int step = 0; step < 3; step++) { // running statistics away from 0 and 1
      net.forward(x, n, true, new Random(step));
    }
    assertEquals(5, net.evaluateByImage(true), "all blocks but the SE one go by image");
    float[] byImage = net.forward(x, n, false, new Random(1)).clone();
    net.evaluateByImage(false);
    float[] byLayer = net.forward(x, n, false, new Random(1)).clone();
    assertArrayEquals(byLayer, byImage, 0f);
    net.evaluateByImage(true);
    float[] again = net.forward(x, n, false, new Random(1));
    assertArrayEquals(byLayer, again, 0f, "the per-thread buffers start each image afresh");
  }
}
