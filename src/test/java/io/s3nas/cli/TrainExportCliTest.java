package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code s3nas train} then {@code s3nas export} on generated 8x8 images, and their bad inputs. */
class TrainExportCliTest {
  @TempDir Path tmp;

  static final String ARCH = """
      {"img_size": 8, "img_c": 1, "n_classes": 10,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r1_k3,5_s11_e2,2_i8_o8_c100_se0.25", "r1_k3_s22_e4_i8_o16_c0_hsw"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 1}}
      """;

  @Test
  void trainsSavesAndExportsAVerifiedOnnxModel() throws IOException {
    Path arch = tmp.resolve("arch.json");
    Files.writeString(arch, ARCH);
    Path data = TestImages.learnableFashion(tmp.resolve("data"), 160, 8, 1);
    Path model = tmp.resolve("out/net.s3model");
    CliTest.Result t = CliTest.run("train", "--arch", arch.toString(), "--data", data.toString(), "--epochs", "2",
        "--batch", "16", "--out", model.toString(), "--json");
    assertEquals(0, t.code(), t.err());
    JsonNode tj = new ObjectMapper().readTree(t.out());
    assertEquals(20, tj.get("steps").asInt());
    assertEquals(160, tj.get("test_images").asInt());
    // the reported top-1 is the saved model's own, on the 160 test images
    io.s3nas.train.TrainedModel saved = io.s3nas.train.ModelFile.read(model);
    double recomputed = io.s3nas.train.FinalTrainer.accuracy(saved.toNet(1),
        io.s3nas.data.FashionMnist.load(data).test(), saved.normalization(), 64);
    assertEquals(recomputed, tj.get("test_top1").asDouble(), 1e-12);
    CliTest.Result e = CliTest.run("export", "--model", model.toString(), "--format", "onnx", "--json");
    assertEquals(0, e.code(), e.err());
    JsonNode ej = new ObjectMapper().readTree(e.out());
    assertTrue(ej.get("max_abs_difference").asDouble() <= 1e-4, e.out());
    assertTrue(Files.size(tmp.resolve("out/net.onnx")) > 1000);

    // DL4J: the file loads with DL4J alone and classifies the test images as the engine does
    CliTest.Result d = CliTest.run("export", "--model", model.toString(), "--format", "dl4j", "--json");
    assertEquals(0, d.code(), d.err());
    JsonNode dj = new ObjectMapper().readTree(d.out());
    assertTrue(dj.get("max_abs_difference").asDouble() <= 1e-4, d.out());
    org.deeplearning4j.nn.graph.ComputationGraph g = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
        tmp.resolve("out/net.dl4j.zip").toFile(), false);
    io.s3nas.data.Dataset test = io.s3nas.data.FashionMnist.load(data).test();
    float[] pixels = new float[test.pixels().length];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (test.pixels()[i] & 0xFF) / 255f;
    }
    org.nd4j.linalg.api.ndarray.INDArray probs = g.outputSingle(org.nd4j.linalg.factory.Nd4j.create(pixels,
        new long[] {test.size(), test.channels(), test.height(), test.width()}, 'c'));
    int[] predicted = probs.argMax(1).toIntVector();
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      correct += predicted[i] == test.labels()[i] ? 1 : 0;
    }
    assertEquals(recomputed, (double) correct / test.size(), 1.0 / test.size() + 1e-12, "DL4J's top-1");
  }

  @Test
  void badInputsExitTwoAndWriteNothing() throws IOException {
    Path data = TestImages.learnableFashion(tmp.resolve("data"), 40, 8, 1);
    CliTest.Result supernet = CliTest.run("train", "--arch", "fashion_mixconv_2_3_4_3_4", "--data", data.toString(),
        "--out", tmp.resolve("a.s3model").toString());
    assertEquals(2, supernet.code());
    assertTrue(supernet.err().contains("searchable"), supernet.err());
    Path arch = tmp.resolve("arch.json");
    Files.writeString(arch, ARCH);
    CliTest.Result epochs = CliTest.run("train", "--arch", arch.toString(), "--data", data.toString(), "--epochs", "0");
    assertEquals(2, epochs.code());
    assertTrue(epochs.err().contains("--epochs"), epochs.err());
    CliTest.Result dropout = CliTest.run("train", "--arch", arch.toString(), "--data", data.toString(), "--dropout", "1");
    assertEquals(2, dropout.code());
    assertTrue(dropout.err().contains("--dropout"), dropout.err());
    CliTest.Result notModel = CliTest.run("export", "--model", arch.toString());
    assertEquals(2, notModel.code());
    assertTrue(notModel.err().contains("arch.json"), notModel.err());
    CliTest.Result format = CliTest.run("export", "--model", arch.toString(), "--format", "tflite");
    assertEquals(2, format.code());
    assertTrue(format.err().contains("--format"), format.err());
    assertTrue(!Files.exists(tmp.resolve("a.s3model")) && !Files.exists(tmp.resolve("arch.onnx")));
  }
}
