package io.s3nas.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.data.Normalization;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.nn.infer.InferenceNet;
import io.s3nas.nn.infer.TrainedWeights;
import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Engine, ND4J and ONNX Runtime agree on a network with every block kind and activation. */
class OnnxExportTest {
  static final String NET = """
      {"img_size": 9, "img_c": 2, "n_classes": 5,
       "first_conv": {"cls": "Conv2D", "output_filters": 6, "kernel_size": 3, "strides": 2},
       "stages_args": ["r2_k3,5,7_s11_e2,1,3_i6_o6_c100_se0.5", "r1_k5_s22_e3_i6_o8_c15_relu6",
                       "r1_k3_s11_e1_i8_o8_c0_se0.25_sw", "r1_k3_s22_e4_i8_o12_c0"],
       "final_expand_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1},
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 20, "kernel_size": 1},
       "act_fn": "hsw", "se_inner_act_fn": "relu", "se_gating_fn": "hsigmoid"}
      """;

  /** A network whose BN statistics and affine parameters are far from their initial values. */
  static FinalNet trainedLooking(Architecture arch) {
    FinalNet net = new FinalNet(arch, 4, 1, 0, 0, 0.99, 1e-3);
    Random r = new Random(6);
    for (Map.Entry<String, float[]> e : net.tensors().entrySet()) {
      float[] v = e.getValue();
      for (int i = 0; i < v.length; i++) {
        if (e.getKey().endsWith(".var")) {
          v[i] = 0.2f + r.nextFloat();
        } else if (e.getKey().endsWith(".mean") || e.getKey().endsWith(".beta") || e.getKey().endsWith("bias")) {
          v[i] = (float) (0.3 * r.nextGaussian());
        } else if (e.getKey().endsWith(".gamma")) {
          v[i] = 0.5f + r.nextFloat();
        }
      }
    }
    return net;
  }

  @Test
  void engineNd4jAndOnnxRuntimeAgree() {
    Architecture arch = Architecture.of(ModelJson.parse(NET, "net"), "net");
    FinalNet engine = trainedLooking(arch);
    TrainedWeights w = new TrainedWeights(engine.tensors(), 1e-3);
    InferenceNet nd4j = InferenceNet.of(arch, w);
    INDArray x = nd4j.randomInput(3, 8);
    float[] expected = nd4j.output(x).dup('c').data().asFloat();
    float[] nhwc = x.permute(0, 2, 3, 1).dup('c').data().asFloat();
    float[] got = engine.forward(nhwc, 3, false, null);
    assertEquals(expected.length, got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected[i], got[i], 1e-4 + 1e-4 * Math.abs(expected[i]), "engine vs ND4J logit " + i);
    }
    byte[] onnx = OnnxExporter.network(arch, w, new Normalization(new double[] {0.5, 0.4}, new double[] {0.3, 0.2}), "t");
    double diff = OnnxRuntimeCheck.maxAbsDifference(onnx, nd4j, 3, 8);
    assertTrue(diff <= 1e-4, "ONNX Runtime vs ND4J max |diff| " + diff);
    assertTrue(Math.abs(expected[0]) > 1e-3, "non-trivial logits");
  }

  @Test
  void blocksAndLayersExportForProfiling() {
    for (String s : new String[] {"r1_k3,5_s22_e2,4_i8_o16_c100_se0.25", "r1_k3_s11_e6_i8_o8_c0", "r1_k5_s11_e2_i8_o8_c15_hsw"}) {
      var b = io.s3nas.space.BlockStrings.parse(s);
      InferenceNet net = InferenceNet.ofBlock(b, 7, Activation.RELU, Activation.RELU, Activation.SIGMOID, 3);
      byte[] onnx = OnnxExporter.block(b, 7, Activation.RELU, Activation.RELU, Activation.SIGMOID,
          InferenceNet.randomWeights(3));
      assertTrue(OnnxRuntimeCheck.maxAbsDifference(onnx, net, 2, 1) <= 1e-4, s);
    }
  }
}
