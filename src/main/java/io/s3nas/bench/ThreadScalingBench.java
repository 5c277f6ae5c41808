package io.s3nas.bench;

import io.s3nas.latency.NetworkLatency;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.search.SupernetTrainer;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.train.FinalTrainer;
import io.s3nas.train.TrainingSettings;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Thread scaling of the engine measured in pairs: a network on one thread and the same network on
 * two in one JVM, their training steps (and then their inference passes) interleaved 1 2, 2 1, …,
 * each pair's ratio (one thread's time over two threads') taken, the median and quartiles printed.
 * Whole JVMs alternated ({@code scripts/bench-threads}' figures before 2026-12-02) moved ±12% each
 * on a shared VM, so one 1-thread and one 2-thread JVM gave a ratio anywhere in about ±17% of the
 * truth (nc21's inference: 1.43 in one run, 2.11 in another of the same build); in pairs the VM's
 * drift falls on both alike, as in {@link InterleavedBench}. Both networks run the same JIT-compiled
 * code (docs/engine-measurements.md, "2026-12-02"). The two-thread network's helper spins some tens
 * of microseconds after each of its regions, then parks: it does not run while the one-thread network
 * does.
 *
 * <p>Beside the ratio, the machine's ceiling for the same work: the one-thread network and a second one
 * run at once on two threads (nothing shared between them but the machine: no regions, nothing to wait
 * for), twice one network's time alone over the pair's, paired the same way. Two vCPUs that share a
 * core's clock budget, its caches or the memory bus lose that much whatever the engine does; two
 * separate JVMs run alone and then together gave 1.85–1.87 on this VM (2026-12-02), but a whole-JVM
 * comparison moved with the VM's drift (another gave 2.2), hence the pairs in one JVM.
 *
 * <p>Usage: {@code ThreadScalingBench (--arch FILE | --supernet FILE [--phase warmup|search]) [--pairs 30]
 * [--warmup-steps 20] [--batch 128]}. Prints one JSON line: per kind (train, infer) the median images/s
 * on 1 and 2 threads, the paired ratio with its quartiles, and the ceiling
 * ({@code <kind>_independent_scaling}) with its quartiles.
 */
public final class ThreadScalingBench {
  private ThreadScalingBench() {}

  /** A network's training step and its evaluation-mode pass on one fixed batch. */
  private interface Work {
    void train();

    void infer();
  }

  public static void main(String[] args) throws Exception {
    String arch = null;
    String supernet = null;
    String phase = "search";
    int pairs = 30;
    int warmup = 20;
    int batch = 128;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--arch" -> arch = args[++i];
        case "--supernet" -> supernet = args[++i];
        case "--phase" -> phase = args[++i];
        case "--pairs" -> pairs = Integer.parseInt(args[++i]);
        case "--warmup-steps" -> warmup = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " ((--arch FILE | --supernet FILE"
            + " [--phase warmup|search]) [--pairs N] [--warmup-steps W] [--batch B])");
      }
    }
    if ((arch == null) == (supernet == null)) {
      throw new IllegalArgumentException("give one of --arch FILE and --supernet FILE");
    }
    // one thread, two threads, and a second one-thread network to run beside the first
    Work[] work = new Work[3];
    for (int i = 0; i < 3; i++) {
      int t = i == 1 ? 2 : 1;
      work[i] = arch != null ? derived(arch, batch, t) : supernet(supernet, phase, batch, t);
    }
    ExecutorService beside = Executors.newSingleThreadExecutor(r -> {
      Thread th = new Thread(r, "beside");
      th.setDaemon(true);
      return th;
    });
    StringBuilder json = new StringBuilder(String.format("{\"%s\": \"%s\", %s\"batch\": %d, \"pairs\": %d",
        arch != null ? "arch" : "supernet", arch != null ? arch : supernet,
        arch != null ? "" : "\"phase\": \"" + phase + "\", ", batch, pairs));
    for (String kind : new String[] {"train", "infer"}) {
      boolean train = kind.equals("train");
      for (int w = 0; w < warmup; w++) {
        for (Work x : work) {
          run(x, train);
        }
      }
      double[][] ms = new double[3][pairs];
      for (int p = 0; p < pairs; p++) {
        for (int i = 0; i < 3; i++) {
          int c = p % 2 == 0 ? i : 2 - i; // 1, 2, beside; then the other way round
          long t0 = System.nanoTime();
          if (c == 2) { // the one-thread network and another beside it on a thread of its own, at once
            Future<?> other = beside.submit(() -> run(work[2], train));
            run(work[0], train);
            other.get();
          } else {
            run(work[c], train);
          }
          ms[c][p] = (System.nanoTime() - t0) / 1e6;
        }
      }
      double[] ratio = new double[pairs];
      double[] ceiling = new double[pairs];
      for (int p = 0; p < pairs; p++) {
        ratio[p] = ms[0][p] / ms[1][p];
        ceiling[p] = 2 * ms[0][p] / ms[2][p];
      }
      double[] one = InterleavedBench.quartiles(ms[0]);
      double[] two = InterleavedBench.quartiles(ms[1]);
      double[] q = InterleavedBench.quartiles(ratio);
      double[] e = InterleavedBench.quartiles(ceiling);
      System.out.printf("%s: 1 thread %.1f img/s, 2 threads %.1f img/s; 2 over 1, paired by step: median %.3f, "
          + "quartiles %.3f–%.3f; two one-thread networks at once over one: median %.3f, quartiles %.3f–%.3f%n",
          kind, batch * 1000 / one[1], batch * 1000 / two[1], q[1], q[0], q[2], e[1], e[0], e[2]);
      json.append(String.format(", \"%s_images_per_s\": {\"1\": %.2f, \"2\": %.2f}, \"%s_scaling\": {\"median\": %.4f, "
          + "\"q1\": %.4f, \"q3\": %.4f}, \"%s_independent_scaling\": {\"median\": %.4f, \"q1\": %.4f, \"q3\": %.4f}",
          kind, batch * 1000 / one[1], batch * 1000 / two[1], kind, q[1], q[0], q[2], kind, e[1], e[0], e[2]));
    }
    System.out.println(json.append("}"));
  }

  private static void run(Work w, boolean train) {
    if (train) {
      w.train();
    } else {
      w.infer();
    }
  }

  private static float[] gaussian(int n) {
    Random r = new Random(0);
    float[] x = new float[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static int[] labels(int n, int classes) {
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % classes;
    }
    return y;
  }

  /** A derived network's final-training step and its evaluation pass, as {@link FinalNetBench} times them. */
  private static Work derived(String file, int batch, int threads) throws Exception {
    Architecture a = Architecture.of(ModelJson.read(Path.of(file)), file);
    var spec = a.spec();
    float[] x = gaussian(batch * spec.imgChannels() * spec.imgSize() * spec.imgSize());
    int[] y = labels(batch, spec.numClasses());
    FinalTrainer trainer = new FinalTrainer(a, TrainingSettings.defaults(10, batch, threads, 0), 100);
    FinalNet net = trainer.net();
    return new Work() {
      @Override
      public void train() {
        trainer.train(x, y);
      }

      @Override
      public void infer() {
        net.forward(x, batch, false, null);
      }
    };
  }

  /**
   * The supernet trainer's step (the {@code custom} platform's latency, the target half the all-paths
   * latency, as {@link SupernetBench}) and its evaluation's logits.
   */
  private static Work supernet(String file, String phase, int batch, int threads) throws Exception {
    ModelSpec spec = ModelJson.read(Path.of(file));
    SearchSpace space = SearchSpace.of(spec);
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    SupernetTrainer trainer = new SupernetTrainer(space, latency,
        SupernetBench.peerTarget(space, latency, batch, threads), 100);
    SupernetTrainer.Phase ph = phase.equals("search") ? SupernetTrainer.Phase.SEARCH : SupernetTrainer.Phase.WARMUP;
    float[] x = gaussian(batch * spec.imgChannels() * spec.imgSize() * spec.imgSize());
    int[] y = labels(batch, spec.numClasses());
    return new Work() {
      private SupernetTrainer.Evaluation eval;

      @Override
      public void train() {
        trainer.train(x, y, ph);
      }

      @Override
      public void infer() {
        if (eval == null) { // once per evaluation, after training, as the search's validation does
          eval = trainer.evaluation();
        }
        eval.logits(x, batch);
      }
    };
  }
}
