package io.s3nas.bench;

import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Two or more builds of the engine in one JVM, their final-network training steps (or with
 * {@code --infer} their evaluation passes, after three training steps) interleaved (A B B A …), each
 * build in a class loader of its own (so each has its own JIT-compiled code): the paired per-step
 * ratio cancels the drift of a shared VM, which moved whole-JVM runs of the same jar by ±15% from run
 * to run on 2026-12-01 (an Intel Xeon VM; docs/engine-measurements.md, "2026-12-01 (afternoon)"). An
 * A/A run there (this loop's first form, outside the repository) gave a median ratio of 1.03
 * (quartiles 0.94–1.07) over 50 pairs: differences under ~3% are not resolved. Run by
 * {@code scripts/bench-ab}; prints one line per build and one per comparison with the first, then a
 * JSON line.
 *
 * <p>Usage: {@code InterleavedBench (--arch FILE | --supernet FILE [--phase warmup|search]) [--pairs 80]
 * [--warmup-steps 30] [--batch 128] [--threads 2] [--infer] DIR...}, each DIR holding a build's
 * {@code s3nas.jar} and its {@code lib/}. With {@code --supernet} the steps are the supernet trainer's (the
 * {@code custom} platform's latency, the target half the all-paths latency, as {@code SupernetBench}).
 */
public final class InterleavedBench {
  private InterleavedBench() {}

  public static void main(String[] args) throws Exception {
    String arch = null;
    String supernet = null;
    String phase = "warmup";
    int pairs = 80;
    int warmup = 30;
    int batch = 128;
    int threads = 2;
    boolean infer = false;
    List<String> builds = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--arch" -> arch = args[++i];
        case "--supernet" -> supernet = args[++i];
        case "--phase" -> phase = args[++i];
        case "--pairs" -> pairs = Integer.parseInt(args[++i]);
        case "--warmup-steps" -> warmup = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--infer" -> infer = true;
        default -> builds.add(args[i]);
      }
    }
    if ((arch == null) == (supernet == null) || builds.size() < 2) {
      throw new IllegalArgumentException("usage: (--arch FILE | --supernet FILE [--phase warmup|search]) [--pairs N] "
          + "[--warmup-steps W] [--batch B] [--threads T] [--infer] DIR DIR... (two builds at least)");
    }
    int nb = builds.size();
    Step[] steps = new Step[nb];
    for (int b = 0; b < nb; b++) {
      steps[b] = arch != null ? Step.of(builds.get(b), arch, batch, threads)
          : Step.ofSupernet(builds.get(b), supernet, phase, batch, threads);
    }
    Random r = new Random(0);
    float[] x = new float[batch * steps[0].pixels];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = i % steps[0].classes;
    }
    if (infer) { // a few training steps first, so the running statistics are a trained network's
      for (int b = 0; b < nb; b++) {
        for (int w = 0; w < 3; w++) {
          steps[b].run(x, y);
        }
        steps[b] = steps[b].inference(batch);
      }
    }
    for (int w = 0; w < warmup; w++) {
      for (Step s : steps) {
        s.run(x, y);
      }
    }
    double[][] ms = new double[nb][pairs];
    for (int p = 0; p < pairs; p++) {
      for (int i = 0; i < nb; i++) {
        int b = p % 2 == 0 ? i : nb - 1 - i; // A B, then B A: neither build always goes first
        long t0 = System.nanoTime();
        steps[b].run(x, y);
        ms[b][p] = (System.nanoTime() - t0) / 1e6;
      }
    }
    String what = arch != null ? "\"arch\": \"" + arch : "\"supernet\": \"" + supernet + "\", \"phase\": \"" + phase;
    StringBuilder json = new StringBuilder("{" + what + "\", \"kind\": \"" + (infer ? "infer" : "train")
        + "\", \"pairs\": " + pairs + ", \"builds\": [");
    for (int b = 0; b < nb; b++) {
      double[] q = quartiles(ms[b]);
      System.out.printf("%s: median step %.1f ms (%.1f img/s), quartiles %.1f–%.1f ms%n", builds.get(b), q[1],
          batch * 1000 / q[1], q[0], q[2]);
      json.append(b == 0 ? "" : ", ").append(String.format("{\"build\": \"%s\", \"median_ms\": %.2f}", builds.get(b), q[1]));
    }
    json.append("], \"speed_vs_first\": [");
    for (int b = 1; b < nb; b++) {
      double[] ratio = new double[pairs];
      for (int p = 0; p < pairs; p++) {
        ratio[p] = ms[0][p] / ms[b][p];
      }
      double[] q = quartiles(ratio);
      System.out.printf("speed of %s over %s, paired by step: median %.3f, quartiles %.3f–%.3f%n", builds.get(b),
          builds.get(0), q[1], q[0], q[2]);
      json.append(b == 1 ? "" : ", ").append(String.format("{\"median\": %.4f, \"q1\": %.4f, \"q3\": %.4f}", q[1], q[0], q[2]));
    }
    System.out.println(json.append("]}"));
  }

  /** First quartile, median and third quartile of v. */
  static double[] quartiles(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return new double[] {s[s.length / 4], s[s.length / 2], s[3 * s.length / 4]};
  }

  /**
   * One build's training step (final network or supernet), reached by reflection through the build's
   * own class loader, or with {@code evaluation} its evaluation pass on the batch.
   */
  private record Step(Object trainer, Method train, int pixels, int classes, Object phase, Object evaluation,
                      Method logits) {
    Step(Object trainer, Method train, int pixels, int classes, Object phase) {
      this(trainer, train, pixels, classes, phase, null, null);
    }

    /**
     * This build's evaluation of n images instead: a derived network's forward in evaluation mode, the
     * supernet's {@code evaluation()} under its current decisions (made once, as a validation pass does).
     */
    Step inference(int n) throws Exception {
      if (phase == null) {
        Object net = trainer.getClass().getMethod("net").invoke(trainer);
        Method forward = net.getClass().getMethod("forward", float[].class, int.class, boolean.class, Random.class);
        return new Step(trainer, train, pixels, classes, null, net, forward);
      }
      Object eval = trainer.getClass().getMethod("evaluation").invoke(trainer);
      Method m = trainer.getClass().getClassLoader().loadClass("io.s3nas.search.SupernetTrainer$Evaluation")
          .getMethod("logits", float[].class, int.class);
      return new Step(trainer, train, pixels, classes, phase, eval, m);
    }

    static Step of(String dir, String arch, int batch, int threads) throws Exception {
      ClassLoader cl = loader(dir);
      Class<?> modelJson = cl.loadClass("io.s3nas.space.ModelJson");
      Class<?> architecture = cl.loadClass("io.s3nas.space.Architecture");
      Object model = modelJson.getMethod("read", Path.class).invoke(null, Path.of(arch));
      Object a = architecture.getMethod("of", model.getClass(), String.class).invoke(null, model, arch);
      Object spec = architecture.getMethod("spec").invoke(a);
      int channels = (int) spec.getClass().getMethod("imgChannels").invoke(spec);
      int size = (int) spec.getClass().getMethod("imgSize").invoke(spec);
      int classes = (int) spec.getClass().getMethod("numClasses").invoke(spec);
      Class<?> settings = cl.loadClass("io.s3nas.train.TrainingSettings");
      Object s = settings.getMethod("defaults", double.class, int.class, int.class, long.class)
          .invoke(null, 10.0, batch, threads, 0L);
      Class<?> finalTrainer = cl.loadClass("io.s3nas.train.FinalTrainer");
      Constructor<?> make = finalTrainer.getConstructor(architecture, settings, int.class);
      Object trainer = make.newInstance(a, s, 100);
      return new Step(trainer, finalTrainer.getMethod("train", float[].class, int[].class), channels * size * size,
          classes, null);
    }

    static Step ofSupernet(String dir, String supernet, String phase, int batch, int threads) throws Exception {
      ClassLoader cl = loader(dir);
      Object spec = cl.loadClass("io.s3nas.space.ModelJson").getMethod("read", Path.class).invoke(null, Path.of(supernet));
      Class<?> searchSpace = cl.loadClass("io.s3nas.space.SearchSpace");
      Object space = searchSpace.getMethod("of", spec.getClass()).invoke(null, spec);
      Object registry = cl.loadClass("io.s3nas.platform.HardwareRegistry").getMethod("load", Path.class)
          .invoke(null, Path.of("conf/hardware"));
      Object model = registry.getClass().getMethod("model", String.class).invoke(registry, "custom");
      Class<?> latencyModel = cl.loadClass("io.s3nas.latency.LatencyModel");
      Class<?> networkLatency = cl.loadClass("io.s3nas.latency.NetworkLatency");
      Object latency = networkLatency.getMethod("of", searchSpace, latencyModel).invoke(null, space, model);
      Class<?> settings = cl.loadClass("io.s3nas.search.SearchSettings");
      Method defaults = settings.getMethod("defaults", int.class, double.class, int.class, long.class);
      Class<?> trainerClass = cl.loadClass("io.s3nas.search.SupernetTrainer");
      Constructor<?> make = trainerClass.getConstructor(searchSpace, networkLatency, settings, int.class);
      // the target: half the all-paths latency, so the latency term is active from the start (as SupernetBench)
      Object probe = make.newInstance(space, latency, defaults.invoke(null, batch, 1.0, threads, 0L), 100);
      Object decisions = trainerClass.getMethod("decisions").invoke(probe);
      Object current = trainerClass.getMethod("currentDecisions").invoke(probe);
      double allPaths = (double) decisions.getClass().getMethod("expectedLatency", networkLatency, current.getClass())
          .invoke(decisions, latency, current);
      Object trainer = make.newInstance(space, latency, defaults.invoke(null, batch, allPaths / 2, threads, 0L), 100);
      Class<?> phases = cl.loadClass("io.s3nas.search.SupernetTrainer$Phase");
      Object ph = phases.getMethod("valueOf", String.class).invoke(null, phase.toUpperCase(java.util.Locale.ROOT));
      int channels = (int) spec.getClass().getMethod("imgChannels").invoke(spec);
      int size = (int) spec.getClass().getMethod("imgSize").invoke(spec);
      int classes = (int) spec.getClass().getMethod("numClasses").invoke(spec);
      return new Step(trainer, trainerClass.getMethod("train", float[].class, int[].class, phases),
          channels * size * size, classes, ph);
    }

    private static ClassLoader loader(String dir) throws Exception {
      List<URL> urls = new ArrayList<>();
      urls.add(new File(dir, "s3nas.jar").toURI().toURL());
      File[] libs = new File(dir, "lib").listFiles();
      if (libs == null) {
        throw new IllegalArgumentException(dir + ": no lib/ folder beside s3nas.jar");
      }
      for (File f : libs) {
        urls.add(f.toURI().toURL());
      }
      return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    }

    void run(float[] x, int[] y) throws Exception {
      if (evaluation != null) {
        if (phase == null) {
          logits.invoke(evaluation, x, y.length, false, null);
        } else {
          logits.invoke(evaluation, x, y.length);
        }
      } else if (phase == null) {
        train.invoke(trainer, x, y);
      } else {
        train.invoke(trainer, x, y, phase);
      }
    }
  }
}
