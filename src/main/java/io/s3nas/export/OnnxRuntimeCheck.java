package io.s3nas.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.s3nas.nn.infer.InferenceNet;
import java.nio.FloatBuffer;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs exported models in ONNX Runtime and compares them with the ND4J network they came from. */
public final class OnnxRuntimeCheck {
  private OnnxRuntimeCheck() {}

  /** The model's single output for one NCHW float input. */
  public static float[] run(byte[] model, float[] input, long[] shape, int threads) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(threads);
      o.setInterOpNumThreads(1);
      try (OrtSession s = env.createSession(model, o);
           OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
           OrtSession.Result r = s.run(Map.of(OnnxExporter.INPUT, in))) {
        FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
        float[] a = new float[out.remaining()];
        out.get(a);
        return a;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime rejected the exported model: " + e.getMessage(), e);
    }
  }

  /** Max |ONNX Runtime − ND4J| over the outputs of a seeded random batch. */
  public static double maxAbsDifference(byte[] model, InferenceNet net, int batch, long seed) {
    INDArray x = net.randomInput(batch, seed);
    float[] expected = net.output(x).dup('c').data().asFloat();
    float[] got = run(model, x.dup('c').data().asFloat(), x.shape(), 1);
    if (got.length != expected.length) {
      throw new IllegalStateException("ONNX output has " + got.length + " values, ND4J " + expected.length);
    }
    double max = 0;
    for (int i = 0; i < got.length; i++) {
      max = Math.max(max, Math.abs(got[i] - expected[i]));
    }
    return max;
  }
}
