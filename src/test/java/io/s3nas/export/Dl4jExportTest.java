package io.s3nas.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.data.Normalization;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.nn.infer.TrainedWeights;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.io.File;
import java.nio.file.Path;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J export loads with DL4J alone and computes what the training engine computes: every
 * block kind and activation (MixConv, SE with h-sigmoid gating, ReLU6, swish, h-swish, residuals,
 * a stride-2 'SAME' convolution on an odd size, a final expand layer), from raw pixels through the
 * normalisation it carries to class probabilities within 1e-4 of the engine's.
 */
class Dl4jExportTest {
  @TempDir Path tmp;

  @Test
  void dl4jLoadsTheNetworkAndAgreesWithTheEngine() throws Exception {
    Architecture arch = Architecture.of(ModelJson.parse(OnnxExportTest.NET, "net"), "net");
    FinalNet engine = OnnxExportTest.trainedLooking(arch);
    Normalization norm = new Normalization(new double[] {0.5, 0.4}, new double[] {0.3, 0.2});
    ComputationGraph built = Dl4jExporter.network(arch, new TrainedWeights(engine.tensors(), 1e-3), norm);
    File file = tmp.resolve("net.zip").toFile();
    Dl4jExporter.write(built, file);
    ComputationGraph loaded = ModelSerializer.restoreComputationGraph(file, false);

    int n = 3;
    int c = 2;
    int size = 9;
    int classes = 5;
    Random r = new Random(11);
    float[] raw = new float[n * c * size * size]; // NCHW pixels in [0, 1], as s3nas reads images
    for (int i = 0; i < raw.length; i++) {
      raw[i] = r.nextFloat();
    }
    float[] nhwc = new float[raw.length]; // the engine's layout, normalised
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            double v = raw[((b * c + ch) * size + y) * size + x];
            nhwc[((b * size + y) * size + x) * c + ch] = (float) ((v - norm.mean()[ch]) / norm.std()[ch]);
          }
        }
      }
    }
    float[] logits = engine.forward(nhwc, n, false, null);
    INDArray out = loaded.outputSingle(Nd4j.create(raw, new long[] {n, c, size, size}, 'c'));
    assertEquals(n, out.rows());
    assertEquals(classes, out.columns());
    double spread = 0;
    for (int b = 0; b < n; b++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        max = Math.max(max, logits[b * classes + k]);
      }
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        sum += Math.exp(logits[b * classes + k] - max);
      }
      for (int k = 0; k < classes; k++) {
        double p = Math.exp(logits[b * classes + k] - max) / sum;
        assertEquals(p, out.getDouble(b, k), 1e-4, "image " + b + ", class " + k);
        spread = Math.max(spread, Math.abs(p - 1.0 / classes));
      }
    }
    assertTrue(spread > 0.05, "probabilities far from uniform, so the comparison means something: " + spread);
    assertEquals(built.numParams(), loaded.numParams());
  }
}
