package io.s3nas.bench;

import io.s3nas.nn.engine.BatchNorm;
import io.s3nas.nn.engine.Depthwise;
import io.s3nas.nn.engine.Gemm;
import io.s3nas.nn.engine.Parallel;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.ModelJson;
import io.s3nas.space.PlacedBlock;
import io.s3nas.train.FinalTrainer;
import io.s3nas.train.TrainingSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * How far the engine is from this machine's limits (issue 13, docs/engine-measurements.md): the
 * machine's peak FMA throughput (independent vector FMA chains on every thread) and memory
 * bandwidth (a vectorised triad over arrays far larger than the caches); then, per operator kind
 * the training engine runs (1x1 GEMM, depthwise k3/k5/k7, BatchNorm with its activation), the
 * achieved GFLOP/s and GB/s with the fraction of the roof that binds it; then the roofline bound of
 * one whole training step of a network (Σ over its operators of max(FLOPs / peak, bytes /
 * bandwidth), forward and backward) against the step's measured time: {@code step_vs_roofline}.
 * Prints one JSON line. Run by {@code scripts/bench-roofline}; with {@code --machine-only} it stops
 * after the machine's two limits, which {@code scripts/bench-threads} measures at 1 and 2 threads so
 * that the engine's thread scaling stands beside the machine's own.
 */
public final class RooflineBench {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private RooflineBench() {}

  public static void main(String[] args) {
    String arch = null;
    int threads = 2;
    int batch = 64;
    boolean machineOnly = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--arch" -> arch = args[++i];
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--machine-only" -> machineOnly = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--arch F --threads T --batch B --machine-only)");
      }
    }
    Parallel par = new Parallel(threads);
    double peak = peakGflops(par);
    double bw = bandwidthGbs(par);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("threads", threads);
    out.put("vector_lanes", S.length());
    out.put("peak_gflops", peak);
    out.put("bandwidth_gbs", bw);
    if (machineOnly) {
      System.out.println(Json.line(out));
      return;
    }
    List<Map<String, Object>> ops = new ArrayList<>();
    ops.add(op("gemm 1x1 forward P=50176 K=24 N=96", gemm(par, 50_176, 24, 96), peak, bw));
    ops.add(op("gemm 1x1 forward P=12544 K=96 N=40", gemm(par, 12_544, 96, 40), peak, bw));
    ops.add(op("gemm 1x1 weight gradient P=50176 K=24 N=96", gemmGrad(par, 50_176, 24, 96), peak, bw));
    for (int k : new int[] {3, 5, 7}) {
      ops.add(op("depthwise k" + k + " forward 64x28x28x48", depthwise(par, 64, 28, 48, k), peak, bw));
    }
    ops.add(op("batchnorm+relu forward 64x28x28x96", batchNorm(par, 64 * 28 * 28, 96), peak, bw));
    out.put("operators", ops);
    if (arch != null) {
      Architecture a = Architecture.of(ModelJson.read(Path.of(arch)), arch);
      double bound = stepBound(a, batch, peak, bw);
      double step = trainStep(a, batch, threads);
      out.put("arch", arch);
      out.put("batch", batch);
      out.put("step_ms", 1e3 * step);
      out.put("roofline_bound_ms", 1e3 * bound);
      out.put("step_vs_roofline", step / bound);
    }
    System.out.println(Json.line(out));
  }

  /** One operator's measurement: time, FLOPs and bytes moved (the minimum: each operand once). */
  record Work(double seconds, double flops, double bytes) {}

  static Map<String, Object> op(String name, Work w, double peak, double bw) {
    Map<String, Object> o = new LinkedHashMap<>();
    double gflops = w.flops() / w.seconds() / 1e9;
    double gbs = w.bytes() / w.seconds() / 1e9;
    double intensity = w.flops() / w.bytes();
    boolean memoryBound = intensity < peak / bw;
    o.put("op", name);
    o.put("gflops", gflops);
    o.put("gbs", gbs);
    o.put("flops_per_byte", intensity);
    o.put("bound", memoryBound ? "memory" : "compute");
    o.put("fraction_of_roof", memoryBound ? gbs / bw : gflops / peak);
    return o;
  }

  /**
   * Median of {@code reps} timings of {@code r}, after warm-up runs until the JIT is quiet
   * ({@link Warmup}): with three fixed warm-up runs the operators measured first ran in
   * not-yet-compiled code (depthwise k3 at 3–5 GFLOP/s against 33–69 once compiled).
   */
  static double time(Runnable r, int reps) {
    return sorted(r, reps)[reps / 2];
  }

  /**
   * The best of {@code reps} timings, for the machine's own limits: as STREAM reports its best rate.
   * The triad's median moved 39–92 GB/s between two runs minutes apart on this VM (its neighbours
   * share the memory), which moved the step's bound 26–45 ms; the limit is what the machine can do.
   */
  static double best(Runnable r, int reps) {
    return sorted(r, reps)[0];
  }

  private static double[] sorted(Runnable r, int reps) {
    Warmup.untilQuiet(3, 2_000, i -> r.run());
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      r.run();
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    java.util.Arrays.sort(t);
    return t;
  }

  static double peakGflops(Parallel par) {
    int iters = 4_000_000;
    double[] sink = new double[par.threads()];
    double s = best(() -> par.forRange(par.threads(), (t, from, to) -> {
      FloatVector a = FloatVector.broadcast(S, 1.0001f);
      FloatVector b = FloatVector.broadcast(S, 0.9999f);
      FloatVector c0 = FloatVector.zero(S);
      FloatVector c1 = c0;
      FloatVector c2 = c0;
      FloatVector c3 = c0;
      FloatVector c4 = c0;
      FloatVector c5 = c0;
      FloatVector c6 = c0;
      FloatVector c7 = c0;
      for (int i = 0; i < iters; i++) {
        c0 = a.fma(b, c0);
        c1 = a.fma(b, c1);
        c2 = a.fma(b, c2);
        c3 = a.fma(b, c3);
        c4 = a.fma(b, c4);
        c5 = a.fma(b, c5);
        c6 = a.fma(b, c6);
        c7 = a.fma(b, c7);
      }
      sink[t] = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).reduceLanes(
          jdk.incubator.vector.VectorOperators.ADD);
    }), 15);
    return 2.0 * 8 * S.length() * iters * par.threads() / s / 1e9;
  }

  static double bandwidthGbs(Parallel par) {
    int n = 16 << 20; // 64 MB per array, three arrays
    float[] a = new float[n];
    float[] b = new float[n];
    float[] c = new float[n];
    java.util.Arrays.fill(b, 1f);
    java.util.Arrays.fill(c, 2f);
    double s = best(() -> par.forRange(n / S.length(), (t, from, to) -> {
      FloatVector k = FloatVector.broadcast(S, 3f);
      for (int i = from * S.length(); i < to * S.length(); i += S.length()) {
        FloatVector.fromArray(S, b, i).add(FloatVector.fromArray(S, c, i).mul(k)).intoArray(a, i);
      }
    }), 15);
    return 3.0 * 4 * n / s / 1e9;
  }

  static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  static Work gemm(Parallel par, int p, int k, int n) {
    float[] x = random(p * k, 1);
    float[] w = random(k * n, 2);
    float[] y = new float[p * n];
    double s = time(() -> Gemm.forward(par, x, p, k, w, n, y), 9);
    return new Work(s, 2.0 * p * k * n, 4.0 * (p * k + k * n + p * n));
  }

  static Work gemmGrad(Parallel par, int p, int k, int n) {
    float[] x = random(p * k, 1);
    float[] dy = random(p * n, 2);
    float[] dw = new float[k * n];
    float[][] scratch = Parallel.sliceSums(k * n);
    double s = time(() -> Gemm.backwardWeight(par, x, p, k, dy, n, dw, scratch), 9);
    return new Work(s, 2.0 * p * k * n, 4.0 * (p * k + k * n + p * n));
  }

  static Work depthwise(Parallel par, int batch, int size, int c, int k) {
    float[] x = random(batch * size * size * c, 3);
    float[] w = random(k * k * c, 4);
    float[] y = new float[x.length];
    double s = time(() -> Depthwise.forward(par, x, batch, size, size, c, w, k, 1, y), 9);
    return new Work(s, 2.0 * batch * size * size * c * k * k, 4.0 * (2L * x.length + w.length));
  }

  static Work batchNorm(Parallel par, int p, int c) {
    float[] x = random(p * c, 5);
    float[] y = new float[p * c];
    float[] gamma = new float[c];
    float[] beta = new float[c];
    java.util.Arrays.fill(gamma, 1f);
    BatchNorm bn = new BatchNorm(c, 1e-3, par.threads());
    double s = time(() -> bn.forward(par, x, p, gamma, beta, true, y), 9);
    // mean and variance, then normalise and activate: about 7 FLOPs per element;
    // x is read twice (statistics, then normalise) and y written once: 12 bytes
    return new Work(s, 7.0 * p * c, 3.0 * 4 * p * c);
  }

  /**
   * The roofline bound of one training step: per block, the 1x1 expand and project GEMMs
   * (forward, input and weight gradients: 3 products), the depthwise convolution (forward and its two
   * gradients) and the BatchNorm layers (forward and backward, about 3 passes each), each at
   * max(FLOPs / peak, bytes / bandwidth).
   */
  static double stepBound(Architecture a, int batch, double peakGflops, double bwGbs) {
    double peak = peakGflops * 1e9;
    double bw = bwGbs * 1e9;
    double t = 0;
    for (PlacedBlock pb : a.layout().blocks()) {
      BlockArgs b = pb.args();
      long pin = (long) batch * pb.inputSize() * pb.inputSize();
      int outSize = Depthwise.outSize(pb.inputSize(), b.strideH());
      long pout = (long) batch * outSize * outSize;
      int e = b.expandedFilters();
      if (b.totalExpansion() != 1) {
        t += 3 * Math.max(2.0 * pin * b.inputFilters() * e / peak, 4.0 * (pin * b.inputFilters() + pin * e) / bw);
        t += 2 * Math.max(7.0 * pin * e / peak, 12.0 * pin * e / bw);
      }
      double dwFlops = 0;
      for (int i = 0; i < b.kernels().size(); i++) {
        dwFlops += 2.0 * pout * b.inputFilters() * b.expansions().get(i) * b.kernels().get(i) * b.kernels().get(i);
      }
      t += 3 * Math.max(dwFlops / peak, 4.0 * (pin * e + pout * e) / bw);
      t += 2 * Math.max(7.0 * pout * e / peak, 12.0 * pout * e / bw);
      t += 3 * Math.max(2.0 * pout * e * b.outputFilters() / peak, 4.0 * (pout * e + pout * b.outputFilters()) / bw);
      t += 2 * Math.max(7.0 * pout * b.outputFilters() / peak, 12.0 * pout * b.outputFilters() / bw);
    }
    return t;
  }

  static double trainStep(Architecture a, int batch, int threads) {
    var spec = a.spec();
    float[] x = random(batch * spec.imgChannels() * spec.imgSize() * spec.imgSize(), 6);
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = i % spec.numClasses();
    }
    FinalTrainer trainer = new FinalTrainer(a, TrainingSettings.defaults(10, batch, threads, 0), 100);
    return time(() -> trainer.train(x, y), 15);
  }

  /** The result as one JSON line. */
  static final class Json {
    private Json() {}

    static String line(Object o) {
      try {
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(o);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
