package io.s3nas.latency.measured;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.s3nas.export.OnnxExporter;
import io.s3nas.latency.Component;
import io.s3nas.nn.infer.InferenceNet;
import io.s3nas.nn.infer.Weights;
import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;

/**
 * ONNX Runtime's CPU execution provider (platform {@code onnxruntime-cpu}): each component or
 * network is exported to ONNX with seeded random weights and run in its own session with all graph
 * optimisations, sequential execution and {@code threads} intra-op threads.
 */
public final class OnnxRuntimeBackend implements Backend {
  private int threads = 1;

  @Override
  public String describe() {
    return "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + " CPU";
  }

  @Override
  public void applyThreads(int threads) {
    this.threads = threads;
  }

  @Override
  public Pass component(Component c, int batch, long seed) {
    Weights w = InferenceNet.randomWeights(seed);
    if (c instanceof Component.Block b) {
      return session(OnnxExporter.block(b.args(), b.inputSize(), Activation.RELU, Activation.RELU, Activation.SIGMOID, w),
          new long[] {batch, b.args().inputFilters(), b.inputSize(), b.inputSize()}, seed);
    } else if (c instanceof Component.Conv conv) {
      return session(OnnxExporter.conv(conv.layer(), conv.inputChannels(), conv.inputSize(), Activation.RELU, w),
          new long[] {batch, conv.inputChannels(), conv.inputSize(), conv.inputSize()}, seed);
    } else if (c instanceof Component.Classifier d) {
      return session(OnnxExporter.poolAndClassifier(d.inputs(), 1, d.classes(), w), new long[] {batch, d.inputs(), 1, 1},
          seed);
    }
    throw new IllegalArgumentException("cannot time component " + c);
  }

  @Override
  public Pass network(Architecture a, int batch, long seed) {
    var s = a.spec();
    return session(OnnxExporter.network(a, InferenceNet.randomWeights(seed), null, "timing"),
        new long[] {batch, s.imgChannels(), s.imgSize(), s.imgSize()}, seed);
  }

  private Pass session(byte[] model, long[] shape, long seed) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try {
      OrtSession.SessionOptions o = new OrtSession.SessionOptions();
      o.setIntraOpNumThreads(threads);
      o.setInterOpNumThreads(1);
      o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      OrtSession session = env.createSession(model, o);
      int n = (int) (shape[0] * shape[1] * shape[2] * shape[3]);
      float[] data = new float[n];
      Random r = new Random(seed);
      for (int i = 0; i < n; i++) {
        data[i] = (float) r.nextGaussian();
      }
      OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
      Map<String, OnnxTensor> feed = Map.of(OnnxExporter.INPUT, input);
      return new Pass() {
        @Override
        public void run() {
          try (OrtSession.Result ignored = session.run(feed)) {
            // outputs are released at once; only the time matters
          } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
          }
        }

        @Override
        public void close() {
          input.close();
          try {
            session.close();
          } catch (OrtException e) {
            throw new IllegalStateException(e);
          }
          o.close();
        }
      };
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime rejected an exported model: " + e.getMessage(), e);
    }
  }
}
