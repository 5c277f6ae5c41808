package io.s3nas.bench;

import io.s3nas.latency.measured.Backend;
import io.s3nas.latency.measured.Nd4jBackend;
import io.s3nas.latency.measured.OnnxRuntimeBackend;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.nn.engine.Param;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.train.FinalTrainer;
import io.s3nas.train.TrainingSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Throughput of a derived (final) network on this CPU, batch B, T threads: final-training steps of
 * the engine (forward, backward, RMSProp, EMA) and evaluation-mode inference in the engine, in the
 * ND4J inference network and in ONNX Runtime (as the latency platforms run them). Prints one JSON line. Run by
 * {@code scripts/bench-final}. Each figure is the median step after at least {@code --warmup-steps}
 * untimed ones (10), and more until the JIT is quiet ({@link Warmup}: with 3, steps still ran while C2
 * recompiled kernels after deoptimisations, up to 2.5 s into the run).
 */
public final class FinalNetBench {
  private FinalNetBench() {}

  public static void main(String[] args) throws Exception {
    String arch = null;
    int batch = 128;
    int threads = 2;
    int steps = 20;
    int warmup = 10;
    int inferSteps = 20;
    boolean runtimes = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--arch" -> arch = args[++i];
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--warmup-steps" -> warmup = Integer.parseInt(args[++i]);
        case "--infer-steps" -> inferSteps = Integer.parseInt(args[++i]);
        case "--engine-only" -> runtimes = false; // for A/B runs of two engine builds: no ND4J, no ONNX Runtime
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--arch F --batch B --threads T --steps N --warmup-steps W --infer-steps I --engine-only)");
      }
    }
    if (arch == null) {
      throw new IllegalArgumentException("--arch FILE is required");
    }
    Architecture a = Architecture.of(ModelJson.read(Path.of(arch)), arch);
    var spec = a.spec();
    int pixels = spec.imgChannels() * spec.imgSize() * spec.imgSize();
    Random r = new Random(0);
    float[] x = new float[batch * pixels];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = i % spec.numClasses();
    }
    FinalTrainer trainer = new FinalTrainer(a, TrainingSettings.defaults(10, batch, threads, 0), 100);
    double train = median(steps, warmup, s -> trainer.train(x, y));
    FinalNet net = trainer.net();
    final int n = batch;
    double engineInfer = median(inferSteps, warmup, s -> net.forward(x, n, false, null));
    // the engine's own peak, what the PyTorch peer's compares with; ND4J and ONNX Runtime add theirs below
    double engineRss = SupernetBench.peakRssMb();
    double nd4jInfer = runtimes ? timePass(new Nd4jBackend(), a, batch, threads, inferSteps, warmup) : Double.NaN;
    double ortInfer = runtimes ? timePass(new OnnxRuntimeBackend(), a, batch, threads, inferSteps, warmup) : Double.NaN;
    long params = net.params().stream().mapToLong(Param::size).sum();
    System.out.printf("derived network %s, batch %d, %d threads: engine train %.1f img/s, infer engine %.1f, ND4J %.1f, "
            + "ONNX Runtime %.1f img/s, %d params, peak RSS %.0f MB (%.0f MB with ND4J and ONNX Runtime)%n", arch, batch,
        threads, batch / train, batch / engineInfer, batch / nd4jInfer, batch / ortInfer, params, engineRss,
        SupernetBench.peakRssMb());
    System.out.printf("{\"framework\": \"s3nas-java\", \"version\": \"%s\", \"arch\": \"%s\", \"batch\": %d, "
            + "\"threads\": %d, "
            + "\"train_images_per_s\": %.2f, \"infer_images_per_s\": %.2f, \"nd4j_infer_images_per_s\": %.2f, "
            + "\"onnxruntime_infer_images_per_s\": %.2f, \"params\": %d, \"peak_rss_mb\": %.1f, "
            + "\"peak_rss_with_runtimes_mb\": %.1f}%n",
        System.getProperty("java.version"), arch, batch, threads, batch / train, batch / engineInfer,
        batch / nd4jInfer, batch / ortInfer, params, engineRss, SupernetBench.peakRssMb());
  }

  /** Median seconds of one inference pass of the network in a runtime (weights do not change the time). */
  private static double timePass(Backend backend, Architecture a, int batch, int threads, int steps, int warmup) {
    backend.applyThreads(threads);
    try (Backend.Pass p = backend.network(a, batch, 1)) {
      return median(steps, warmup, s -> p.run());
    }
  }

  /** Median seconds of {@code n} timed calls after at least {@code warm} untimed ones, until the JIT is quiet. */
  private static double median(int n, int warm, IntConsumer body) {
    Warmup.untilQuiet(warm, Math.max(warm, SupernetBench.MAX_WARMUP_STEPS * 2), body);
    double[] t = new double[n];
    for (int s = 0; s < n; s++) {
      long t0 = System.nanoTime();
      body.accept(s);
      t[s] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(t);
    return t[n / 2];
  }
}
