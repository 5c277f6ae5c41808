package io.s3nas.bench;

import io.s3nas.nn.engine.BatchNorm;
import io.s3nas.nn.engine.Depthwise;
import io.s3nas.nn.engine.Gemm;
import io.s3nas.nn.engine.Parallel;
import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The execution-strategy prototype of the search issue: one MBConv block (1x1 expand 16→96, BN,
 * ReLU, depthwise 5x5, BN, ReLU, 1x1 project 96→16, BN, residual) forward and backward on a
 * batch of 128 28x28 NHWC activations, two ways:
 * <ul>
 *   <li>{@code java}: the explicit engine's kernels on float arrays ({@code io.s3nas.nn.engine});</li>
 *   <li>{@code nd4j}: the same step over ND4J's native ops (gemm, depthwise_conv2d(_bp),
 *       moments/batchnorm/batchnorm_bp), buffers allocated once.</li>
 * </ul>
 * Prints one JSON line per variant with the median step time. {@code scripts/bench-block} runs it
 * beside the PyTorch block of {@code scripts/peer_block.py}.
 */
public final class BlockPrototype {
  static final int N = 128;
  static final int H = 28;
  static final int CIN = 16;
  static final int E = 96;
  static final int K = 5;
  static final int P = N * H * H;

  private BlockPrototype() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String which = args.length > 2 ? args[2] : "both";
    if (!which.equals("nd4j")) {
      report("java", threads, javaBlock(threads, steps));
    }
    if (!which.equals("java")) {
      report("nd4j", threads, nd4jBlock(threads, steps));
    }
  }

  static void report(String variant, int threads, double[] ms) {
    Arrays.sort(ms);
    System.out.printf("{\"bench\":\"mbconv-block\",\"variant\":\"%s\",\"threads\":%d,\"batch\":%d,\"fwd_bwd_ms_median\":%.2f,"
        + "\"fwd_bwd_ms_min\":%.2f,\"block_images_per_s\":%.1f}%n", variant, threads, N, ms[ms.length / 2], ms[0],
        N / (ms[ms.length / 2] / 1000));
  }

  static float[] rand(int n, Random r, double std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * std);
    }
    return a;
  }

  static double[] javaBlock(int threads, int steps) {
    Parallel par = new Parallel(threads);
    Random r = new Random(1);
    float[] x = rand(P * CIN, r, 1);
    float[] we = rand(CIN * E, r, Math.sqrt(2.0 / E));
    float[] wd = rand(K * K * E, r, Math.sqrt(2.0 / (K * K)));
    float[] wp = rand(E * CIN, r, Math.sqrt(2.0 / CIN));
    float[] ones = new float[E];
    Arrays.fill(ones, 1f);
    float[] zeros = new float[E];
    float[] e1 = new float[P * E];
    float[] a1 = new float[P * E];
    float[] d = new float[P * E];
    float[] a2 = new float[P * E];
    float[] p = new float[P * CIN];
    float[] y = new float[P * CIN];
    float[] dy = rand(P * CIN, r, 1);
    float[] dp = new float[P * CIN];
    float[] da = new float[P * E];
    float[] db = new float[P * E];
    float[] dx = new float[P * CIN];
    float[] dwe = new float[CIN * E];
    float[] dwd = new float[K * K * E];
    float[] dwp = new float[E * CIN];
    float[] dg = new float[E];
    float[] dbt = new float[E];
    float[][] scratch = Parallel.sliceSums(Depthwise.backwardScratch(Depthwise.Shape.of(N, H, H, E, K, 1)));
    BatchNorm bn1 = new BatchNorm(E, 1e-3, threads);
    BatchNorm bn2 = new BatchNorm(E, 1e-3, threads);
    BatchNorm bn3 = new BatchNorm(CIN, 1e-3, threads);
    double[] t = new double[steps];
    boolean detail = Boolean.getBoolean("s3nas.bench.detail");
    double[] parts = new double[12];
    for (int s = -3; s < steps; s++) {
      long t0 = System.nanoTime();
      long[] ts = new long[13];
      int q = 0;
      ts[q++] = System.nanoTime();
      Gemm.forward(par, x, P, CIN, we, E, e1);
      ts[q++] = System.nanoTime();
      bn1.forward(par, e1, P, ones, zeros, true, a1);
      ts[q++] = System.nanoTime();
      Depthwise.forward(par, a1, N, H, H, E, wd, K, 1, d);
      ts[q++] = System.nanoTime();
      bn2.forward(par, d, P, ones, zeros, true, a2);
      ts[q++] = System.nanoTime();
      Gemm.forward(par, a2, P, E, wp, CIN, p);
      ts[q++] = System.nanoTime();
      bn3.forward(par, p, P, ones, zeros, false, y);
      for (int i = 0; i < y.length; i++) {
        y[i] += x[i];
      }
      bn3.backward(par, p, P, ones, zeros, false, dy, dp, dg, dbt);
      ts[q++] = System.nanoTime();
      Gemm.backwardWeight(par, a2, P, E, dp, CIN, dwp, scratch);
      ts[q++] = System.nanoTime();
      Gemm.backwardInput(par, dp, P, CIN, Gemm.transpose(wp, E, CIN), E, da);
      ts[q++] = System.nanoTime();
      bn2.backward(par, d, P, ones, zeros, true, da, da, dg, dbt);
      ts[q++] = System.nanoTime();
      Depthwise.backward(par, a1, N, H, H, E, wd, K, 1, da, db, dwd, scratch);
      ts[q++] = System.nanoTime();
      bn1.backward(par, e1, P, ones, zeros, true, db, db, dg, dbt);
      ts[q++] = System.nanoTime();
      Gemm.backwardWeight(par, x, P, CIN, db, E, dwe, scratch);
      Gemm.backwardInput(par, db, P, E, Gemm.transpose(we, CIN, E), CIN, dx);
      for (int i = 0; i < dx.length; i++) {
        dx[i] += dy[i];
      }
      ts[q++] = System.nanoTime();
      if (s >= 0) {
        t[s] = (System.nanoTime() - t0) / 1e6;
        for (int i = 0; i < q - 1; i++) {
          parts[i] += (ts[i + 1] - ts[i]) / 1e6 / steps;
        }
      }
    }
    if (detail) {
      String[] names = {"expand", "bn1", "dw", "bn2", "project", "bn3 fwd+bwd", "dWp", "dA2", "bn2 bwd", "dw bwd", "bn1 bwd", "dWe+dx"};
      for (int i = 0; i < names.length; i++) {
        System.err.printf("  %-12s %7.1f ms%n", names[i], parts[i]);
      }
    }
    return t;
  }

  static double[] nd4jBlock(int threads, int steps) {
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.getRandom().setSeed(1);
    INDArray x = Nd4j.randn(DataType.FLOAT, P, CIN);
    INDArray we = Nd4j.randn(DataType.FLOAT, CIN, E).muli(Math.sqrt(2.0 / E));
    INDArray wd = Nd4j.randn(DataType.FLOAT, K, K, E, 1).muli(Math.sqrt(2.0 / (K * K)));
    INDArray wp = Nd4j.randn(DataType.FLOAT, E, CIN).muli(Math.sqrt(2.0 / CIN));
    INDArray gE = Nd4j.ones(DataType.FLOAT, E);
    INDArray bE = Nd4j.zeros(DataType.FLOAT, E);
    INDArray gC = Nd4j.ones(DataType.FLOAT, CIN);
    INDArray bC = Nd4j.zeros(DataType.FLOAT, CIN);
    INDArray e1 = Nd4j.create(DataType.FLOAT, P, E);
    INDArray a1 = Nd4j.create(DataType.FLOAT, P, E);
    INDArray d = Nd4j.create(DataType.FLOAT, N, H, H, E);
    INDArray a2 = Nd4j.create(DataType.FLOAT, P, E);
    INDArray p = Nd4j.create(DataType.FLOAT, P, CIN);
    INDArray y = Nd4j.create(DataType.FLOAT, P, CIN);
    INDArray dy = Nd4j.randn(DataType.FLOAT, P, CIN);
    INDArray[] st1 = {Nd4j.create(DataType.FLOAT, E), Nd4j.create(DataType.FLOAT, E)};
    INDArray[] st2 = {Nd4j.create(DataType.FLOAT, E), Nd4j.create(DataType.FLOAT, E)};
    INDArray[] st3 = {Nd4j.create(DataType.FLOAT, CIN), Nd4j.create(DataType.FLOAT, CIN)};
    INDArray dp = Nd4j.create(DataType.FLOAT, P, CIN);
    INDArray da2 = Nd4j.create(DataType.FLOAT, P, E);
    INDArray dd = Nd4j.create(DataType.FLOAT, N, H, H, E);
    INDArray da1 = Nd4j.create(DataType.FLOAT, N, H, H, E);
    INDArray de1 = Nd4j.create(DataType.FLOAT, P, E);
    INDArray dx = Nd4j.create(DataType.FLOAT, P, CIN);
    INDArray dwe = Nd4j.create(DataType.FLOAT, CIN, E);
    INDArray dwd = Nd4j.create(DataType.FLOAT, K, K, E, 1);
    INDArray dwp = Nd4j.create(DataType.FLOAT, E, CIN);
    INDArray[] gbE = {Nd4j.create(DataType.FLOAT, E), Nd4j.create(DataType.FLOAT, E), Nd4j.create(DataType.FLOAT, E), Nd4j.create(DataType.FLOAT, E)};
    INDArray[] gbC = {Nd4j.create(DataType.FLOAT, CIN), Nd4j.create(DataType.FLOAT, CIN), Nd4j.create(DataType.FLOAT, CIN), Nd4j.create(DataType.FLOAT, CIN)};
    INDArray m1 = Nd4j.create(DataType.FLOAT, P, E);
    INDArray m2 = Nd4j.create(DataType.FLOAT, P, E);
    int[] dwArgs = {K, K, 1, 1, 0, 0, 1, 1, 1, 1, 0};
    double[] t = new double[steps];
    for (int s = -3; s < steps; s++) {
      long t0 = System.nanoTime();
      Nd4j.gemm(x, we, e1, false, false, 1.0, 0.0);
      bnRelu(e1, gE, bE, st1, a1, m1, true);
      Nd4j.exec(DynamicCustomOp.builder("depthwise_conv2d").addInputs(a1.reshape(N, H, H, E), wd)
          .addOutputs(d).addIntegerArguments(dwArgs).build());
      bnRelu(d.reshape(P, E), gE, bE, st2, a2, m2, true);
      Nd4j.gemm(a2, wp, p, false, false, 1.0, 0.0);
      bnRelu(p, gC, bC, st3, y, null, false);
      y.addi(x);
      bnBackward(p, gC, bC, st3, dy, dp, gbC);
      Nd4j.gemm(a2, dp, dwp, true, false, 1.0, 0.0);
      Nd4j.gemm(dp, wp, da2, false, true, 1.0, 0.0);
      Nd4j.exec(new MulOp(da2, m2, da2));
      bnBackward(d.reshape(P, E), gE, bE, st2, da2, dd.reshape(P, E), gbE);
      Nd4j.exec(DynamicCustomOp.builder("depthwise_conv2d_bp").addInputs(a1.reshape(N, H, H, E), wd, dd)
          .addOutputs(da1, dwd).addIntegerArguments(dwArgs).build());
      INDArray da1f = da1.reshape(P, E);
      Nd4j.exec(new MulOp(da1f, m1, da1f));
      bnBackward(e1, gE, bE, st1, da1f, de1, gbE);
      Nd4j.gemm(x, de1, dwe, true, false, 1.0, 0.0);
      Nd4j.gemm(de1, we, dx, false, true, 1.0, 0.0);
      dx.addi(dy);
      if (s >= 0) {
        t[s] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return t;
  }

  private static void bnRelu(INDArray x, INDArray gamma, INDArray beta, INDArray[] stats, INDArray y, INDArray mask, boolean relu) {
    Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addOutputs(stats[0], stats[1]).addIntegerArguments(0).build());
    Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(x, stats[0], stats[1], gamma, beta).addOutputs(y)
        .addIntegerArguments(1, 1, 1).addFloatingPointArguments(1e-3).build());
    if (relu) {
      Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(y, y, 0.0));
      mask.assign(y.gt(0).castTo(DataType.FLOAT));
    }
  }

  private static void bnBackward(INDArray x, INDArray gamma, INDArray beta, INDArray[] stats, INDArray dy, INDArray dx, INDArray[] g) {
    Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp").addInputs(x, stats[0], stats[1], gamma, beta, dy)
        .addOutputs(dx, g[0], g[1], g[2], g[3]).addIntegerArguments(1, 1, 1).addFloatingPointArguments(1e-3).build());
  }
}
