package io.s3nas.bench;

import io.s3nas.data.Augmentation;
import io.s3nas.data.Batch;
import io.s3nas.data.BatchStream;
import io.s3nas.data.Dataset;
import io.s3nas.data.FashionMnist;
import io.s3nas.data.Normalization;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.nn.engine.Param;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.search.SearchSettings;
import io.s3nas.search.SupernetTrainer;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Supernet training and inference throughput, the same work per step as the PyTorch peer in
 * ../shared/bench (batch preparation, forward, loss, latency expectation in the search phase,
 * backward, clipping in the warm-up, optimiser update). Prints one JSON line with the peer's fields.
 * Run by {@code scripts/bench-supernet}.
 */
public final class SupernetBench {
  /** Warm-up steps at most while the JIT is still compiling ({@link Warmup}; ~12 on 2 cores). */
  static final int MAX_WARMUP_STEPS = 40;

  private SupernetBench() {}

  public static void main(String[] args) throws IOException {
    String supernet = "conf/supernets/fashion_mixconv_2_3_4_3_4.json";
    String phase = "warmup";
    String hardware = "custom";
    int batch = 128;
    int threads = 2;
    int steps = 30;
    int warmupSteps = 5;
    int inferSteps = 20;
    boolean synthetic = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--supernet" -> supernet = args[++i];
        case "--phase" -> phase = args[++i];
        case "--hardware" -> hardware = args[++i];
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--warmup-steps" -> warmupSteps = Integer.parseInt(args[++i]);
        case "--infer-steps" -> inferSteps = Integer.parseInt(args[++i]);
        case "--synthetic" -> synthetic = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--supernet F --phase warmup|search --batch B --threads T --steps N --warmup-steps W (at least) --infer-steps I --hardware H --synthetic)");
      }
    }
    ModelSpec spec = ModelJson.read(Path.of(supernet));
    SearchSpace space = SearchSpace.of(spec);
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model(hardware));
    Dataset data;
    if (synthetic || !Files.isDirectory(FashionMnist.DEBIAN_DIR)) {
      synthetic = true;
      int n = batch * (steps + warmupSteps + 1);
      byte[] px = new byte[n * spec.imgChannels() * spec.imgSize() * spec.imgSize()];
      new Random(0).nextBytes(px);
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        y[i] = i % spec.numClasses();
      }
      List<String> names = new ArrayList<>();
      for (int c = 0; c < spec.numClasses(); c++) {
        names.add("c" + c);
      }
      data = new Dataset("synthetic", px, y, spec.imgChannels(), spec.imgSize(), spec.imgSize(), names);
    } else {
      data = FashionMnist.load(FashionMnist.DEBIAN_DIR).train();
    }
    Normalization norm = synthetic ? new Normalization(fill(spec.imgChannels(), 0.5), fill(spec.imgChannels(), 0.29))
        : Normalization.FASHION_MNIST;
    BatchStream stream = new BatchStream(data, batch, 0, norm, Augmentation.NONE);
    SearchSettings settings = peerTarget(space, latency, batch, threads);
    SupernetTrainer trainer = new SupernetTrainer(space, latency, settings, stream.stepsPerEpoch());
    SupernetTrainer.Phase ph = phase.equals("search") ? SupernetTrainer.Phase.SEARCH : SupernetTrainer.Phase.WARMUP;
    double[] t = new double[steps];
    SupernetTrainer.Step last = null;
    int[] k = {0};
    Warmup.Result warm = Warmup.untilQuiet(warmupSteps, Math.max(warmupSteps, MAX_WARMUP_STEPS), s -> {
      Batch b = stream.batch(0, k[0]++ % stream.stepsPerEpoch());
      trainer.train(b.nhwc(), b.labels(), ph);
    });
    for (int s = 0; s < steps; s++) {
      long t0 = System.nanoTime();
      Batch b = stream.batch(0, k[0]++ % stream.stepsPerEpoch());
      last = trainer.train(b.nhwc(), b.labels(), ph);
      t[s] = (System.nanoTime() - t0) / 1e9;
    }
    double[] ti = new double[inferSteps];
    SupernetTrainer.Evaluation eval = trainer.evaluation(); // once per evaluation, as the search's validation does
    Warmup.untilQuiet(3, Math.max(3, MAX_WARMUP_STEPS), s -> {
      Batch b = stream.batch(0, k[0]++ % stream.stepsPerEpoch());
      eval.logits(b.nhwc(), b.size());
    });
    for (int s = 0; s < inferSteps; s++) {
      Batch b = stream.batch(0, k[0]++ % stream.stepsPerEpoch());
      long t0 = System.nanoTime();
      eval.logits(b.nhwc(), b.size());
      ti[s] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(t);
    Arrays.sort(ti);
    long params = trainer.net().params().stream().mapToLong(Param::size).sum() + trainer.decisions().thresholdCount();
    System.out.printf("s3nas java engine %s, batch %d, %d threads, NHWC, %s: train %.1f img/s (%.0f ms/step, median of %d "
            + "after %d warm-up steps, %d ms of JIT in them), infer %.1f img/s, loss %.3f, expected latency %.3f ms (T %.3f), %d params (%d thresholds), peak RSS %.0f MB%n",
        phase, batch, threads, synthetic ? "synthetic" : "fashion-mnist", batch / t[steps / 2], 1000 * t[steps / 2], steps,
        warm.steps(), warm.jitMs(),
        batch / ti[inferSteps / 2], last.loss(), last.expectedLatencyMs(), settings.targetMs(), params,
        trainer.decisions().thresholdCount(), peakRssMb());
    System.out.printf("{\"framework\": \"s3nas-java\", \"version\": \"%s\", \"phase\": \"%s\", \"batch\": %d, \"threads\": %d, "
            + "\"channels_last\": true, \"train_images_per_s\": %.2f, \"infer_images_per_s\": %.2f, \"params\": %d, "
            + "\"peak_rss_mb\": %.1f, \"loss\": %.4f, \"hardware\": \"%s\", \"warmup_steps\": %d}%n",
        System.getProperty("java.version"), phase, batch, threads, batch / t[steps / 2], batch / ti[inferSteps / 2], params,
        peakRssMb(), last.loss(), hardware, warm.steps());
  }

  /**
   * The search settings at the peer's default target: half of the all-paths latency, so the latency
   * hinge is active from the start.
   */
  static SearchSettings peerTarget(SearchSpace space, NetworkLatency latency, int batch, int threads) {
    SupernetTrainer probe = new SupernetTrainer(space, latency, SearchSettings.defaults(batch, 1.0, threads, 0), 1);
    double allPaths = probe.decisions().expectedLatency(latency, probe.currentDecisions());
    return SearchSettings.defaults(batch, allPaths / 2, threads, 0);
  }

  private static double[] fill(int n, double v) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }

  static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
