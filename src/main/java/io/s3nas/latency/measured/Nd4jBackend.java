package io.s3nas.latency.measured;

import io.s3nas.latency.Component;
import io.s3nas.nn.infer.InferenceNet;
import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** ND4J's CPU backend through allocation-free compiled inference nets (platform {@code cpu-nd4j}). */
public final class Nd4jBackend implements Backend {
  public static final String ND4J_VERSION = "1.0.0-M2.1";

  @Override
  public String describe() {
    // backend class and BLAS vendor; the oneDNN helpers ride on the classifier jar JavaCPP picked
    String blas = String.valueOf(Nd4j.getExecutioner().getEnvironmentInformation().getOrDefault("blas.vendor", "?"));
    String ext = System.getProperty("org.bytedeco.javacpp.platform.extension", "");
    return "ND4J " + ND4J_VERSION + " " + Nd4j.getBackend().getClass().getSimpleName() + "/" + blas
        + (ext.isEmpty() ? "" : "/" + ext);
  }

  @Override
  public void applyThreads(int threads) {
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
  }

  /** The ND4J net of a component, with seeded random weights (latency does not depend on them). */
  static InferenceNet net(Component c, long seed) {
    if (c instanceof Component.Block b) {
      return InferenceNet.ofBlock(b.args(), b.inputSize(), Activation.RELU, Activation.RELU, Activation.SIGMOID, seed);
    } else if (c instanceof Component.Conv conv) {
      return InferenceNet.ofConv(conv.layer(), conv.inputChannels(), conv.inputSize(), Activation.RELU, seed);
    } else if (c instanceof Component.Classifier d) {
      return InferenceNet.ofPoolAndClassifier(d.inputs(), 1, d.classes(), seed);
    }
    throw new IllegalArgumentException("cannot time component " + c);
  }

  @Override
  public Pass component(Component c, int batch, long seed) {
    return pass(net(c, seed), batch, seed);
  }

  @Override
  public Pass network(Architecture a, int batch, long seed) {
    return pass(InferenceNet.of(a, seed), batch, seed);
  }

  private static Pass pass(InferenceNet net, int batch, long seed) {
    INDArray in = net.randomInput(batch, seed);
    return new Pass() {
      @Override
      public void run() {
        net.run(in);
      }

      @Override
      public void close() {}
    };
  }
}
