package io.s3nas.bench;

import io.s3nas.nn.engine.Depthwise;
import io.s3nas.nn.engine.Parallel;
import java.util.Locale;
import java.util.Random;

/**
 * GFLOP/s of the depthwise convolution alone, forward and backward, for kernels 3, 5, 7 and strides
 * 1, 2 on one channel count and map size: the work of 64 images of 28×28 spread over as many images
 * of the given size as it takes, best of 5 × 20 calls after 60 untimed ones (docs/engine-measurements.md,
 * "the depthwise forward in register tiles"). Alternate two jars in one run to compare them.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp target/s3nas.jar io.s3nas.bench.DepthwiseBench
 * --channels 96 --size 28 [--threads 2]}
 */
public final class DepthwiseBench {
  private DepthwiseBench() {}

  public static void main(String[] args) {
    int channels = 96;
    int size = 28;
    int threads = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--channels" -> channels = Integer.parseInt(args[++i]);
        case "--size" -> size = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--channels C --size H --threads T)");
      }
    }
    int n = Math.max(1, 64 * 28 * 28 / (size * size));
    Parallel par = new Parallel(threads);
    Random r = new Random(1);
    float[] x = random(r, n * size * size * channels);
    StringBuilder out = new StringBuilder("{\"channels\": " + channels + ", \"size\": " + size + ", \"threads\": "
        + threads + ", \"gflops\": {");
    String sep = "";
    for (int k : new int[] {3, 5, 7}) {
      for (int stride : new int[] {1, 2}) {
        float[] w = random(r, k * k * channels);
        int o = Depthwise.outSize(size, stride);
        float[] y = new float[n * o * o * channels];
        float[] dy = random(r, y.length);
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        int c = channels;
        int h = size;
        float[][] scratch = Parallel.sliceSums(Depthwise.backwardScratch(Depthwise.Shape.of(n, h, h, c, k, stride)));
        double flops = 2.0 * n * o * o * channels * k * k;
        double fwd = best(() -> Depthwise.forward(par, x, n, h, h, c, w, k, stride, y));
        double bwd = best(() -> Depthwise.backward(par, x, n, h, h, c, w, k, stride, dy, dx, dw, scratch));
        out.append(sep).append(String.format(Locale.ROOT, "\"k%d_s%d\": {\"forward\": %.1f, \"backward\": %.1f}", k, stride,
            flops / fwd, 2 * flops / bwd));
        sep = ", ";
      }
    }
    System.out.println(out.append("}}"));
  }

  /** Nanoseconds per call, best of 5 rounds of 20 after 60 untimed calls. */
  private static double best(Runnable call) {
    for (int i = 0; i < 60; i++) {
      call.run();
    }
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        call.run();
      }
      best = Math.min(best, System.nanoTime() - t0);
    }
    return best / 20.0;
  }

  private static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat() - 0.5f;
    }
    return a;
  }
}
