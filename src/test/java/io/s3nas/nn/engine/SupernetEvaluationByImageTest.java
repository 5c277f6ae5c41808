package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The supernet's evaluation image by image gives the logits of its evaluation layer by layer, bit for
 * bit: MixConv blocks with and without a residual, a stride-2 k7 branch whose small map goes on padded
 * rows, a block without expansion, a searchable fused block (c16) that stays layer by layer between
 * them, a branch masked to zeros; on trained running statistics and more images than threads.
 */
class SupernetEvaluationByImageTest {
  private static final String NET = """
      {"img_size": 12, "img_c": 2, "n_classes": 5,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k3,5,7_s11_e2,2,2_i8_o8_c102", "r1_k5,7_s22_e2,4_i8_o16_c102",
                       "r1_k5_s11_e4_i16_o16_c16", "r1_k5_s11_e1_i16_o24_c102"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 1}}
      """;

  @Test
  void givesTheLogitsOfTheLayerByLayerEvaluation() {
    SearchSpace space = SearchSpace.of(ModelJson.parse(NET, "by-image"));
    SupernetNet net = new SupernetNet(space, 3, 2, 0.0, 0.9, 1e-3);
    int n = 7;
    float[] x = KernelGradientTest.random(n * 12 * 12 * 2, 5);
    float[][][] hat = new float[space.blocks().size()][][];
    for (int b = 0; b < hat.length; b++) {
      hat[b] = new float[space.blocks().get(b).branches().size()][];
      for (int i = 0; i < hat[b].length; i++) {
        hat[b][i] = net.depthwise(b, i).value().clone();
      }
    }
    Arrays.fill(hat[1][1], 0f); // a branch the thresholds switched off computes zeros
    for (int step = 0; step < 3; step++) { // running statistics away from 0 and 1
      net.forward(x, n, hat, true, new Random(step));
    }
    assertEquals(4, net.evaluateByImage(true), "all five blocks but the fused one go by image");
    float[] byImage = net.forward(x, n, hat, false, null).clone();
    net.evaluateByImage(false);
    float[] byLayer = net.forward(x, n, hat, false, null).clone();
    assertArrayEquals(byLayer, byImage, 0f);
    net.evaluateByImage(true);
    float[] again = net.forward(x, n, hat, false, null);
    assertArrayEquals(byLayer, again, 0f, "the per-thread buffers start each image afresh");
  }
}
