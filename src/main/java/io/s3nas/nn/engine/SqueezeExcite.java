package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import java.util.List;
import java.util.Random;

/**
 * Squeeze-and-excitation (docs/method.md §9) on NHWC rows: global average pool, 1x1 (dense) reduce with
 * bias, inner activation, 1x1 expand with bias, gate, channel-wise scale. Backward:
 * {@code dx = dy·g + broadcast(∂L/∂pooled)/HW} with {@code ∂L/∂g = Σ_pixels dy·x}.
 */
final class SqueezeExcite {
  final int channels;
  final int reduced;
  final int hw;
  final Activation inner;
  final Activation gate;
  final Param reduceW;
  final Param reduceB;
  final Param expandW;
  final Param expandB;
  private float[] x;
  private float[] pooled;
  private float[] z1;
  private float[] s1;
  private float[] z2;
  private float[] g;
  private float[] y;
  private float[] dx;
  private int batch;

  SqueezeExcite(String name, int channels, int reduced, int hw, Activation inner, Activation gate, Random init) {
    this.channels = channels;
    this.reduced = reduced;
    this.hw = hw;
    this.inner = inner;
    this.gate = gate;
    this.reduceW = new Param(name + ".reduce", channels * reduced, true);
    Init.normal(reduceW.value(), Math.sqrt(2.0 / reduced), init);
    this.reduceB = new Param(name + ".reduce.bias", reduced, true);
    this.expandW = new Param(name + ".expand", reduced * channels, true);
    Init.normal(expandW.value(), Math.sqrt(2.0 / channels), init);
    this.expandB = new Param(name + ".expand.bias", channels, true);
  }

  List<Param> params() {
    return List.of(reduceW, reduceB, expandW, expandB);
  }

  /** What {@link #forward} allocates at batch {@code n} and backward takes from the scratch. */
  void footprint(int n, TrainingFootprint f) {
    f.own(3L * n * channels + 2L * n * reduced + 2L * n * hw * channels);
    f.scratch("se.dz2", (long) n * channels);
    f.scratch("se.ds1", (long) n * reduced);
    f.scratch("se.dpooled", (long) n * channels);
  }

  /** The gate values of the last forward pass, [n][channels] (rmSE reads them). */
  float[] gates() {
    return g;
  }

  float[] forward(Parallel par, float[] input, int n) {
    if (n != batch) {
      batch = n;
      pooled = new float[n * channels];
      z1 = new float[n * reduced];
      s1 = new float[n * reduced];
      z2 = new float[n * channels];
      g = new float[n * channels];
      y = new float[n * hw * channels];
      dx = new float[n * hw * channels];
    }
    this.x = input;
    java.util.Arrays.fill(pooled, 0f);
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < hw; i++) {
        int o = (b * hw + i) * channels;
        for (int c = 0; c < channels; c++) {
          pooled[b * channels + c] += input[o + c];
        }
      }
    }
    for (int i = 0; i < pooled.length; i++) {
      pooled[i] /= hw;
    }
    dense(par, pooled, n, channels, reduceW.value(), reduceB.value(), reduced, z1);
    for (int i = 0; i < z1.length; i++) {
      s1[i] = Act.apply(inner, z1[i]);
    }
    dense(par, s1, n, reduced, expandW.value(), expandB.value(), channels, z2);
    for (int i = 0; i < z2.length; i++) {
      g[i] = Act.apply(gate, z2[i]);
    }
    par.forRange(n, (t, from, to) -> {
      for (int b = from; b < to; b++) {
        for (int i = 0; i < hw; i++) {
          int o = (b * hw + i) * channels;
          for (int c = 0; c < channels; c++) {
            y[o + c] = input[o + c] * g[b * channels + c];
          }
        }
      }
    });
    return y;
  }

  float[] backward(Parallel par, float[] dy, Scratch s) {
    int n = batch;
    float[] dz2 = s.take("se.dz2", n * channels);
    java.util.Arrays.fill(dz2, 0, n * channels, 0f);
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < hw; i++) {
        int o = (b * hw + i) * channels;
        for (int c = 0; c < channels; c++) {
          dz2[b * channels + c] += dy[o + c] * x[o + c];
        }
      }
    }
    for (int i = 0; i < n * channels; i++) {
      dz2[i] *= Act.derivative(gate, z2[i]);
    }
    float[] ds1 = s.take("se.ds1", n * reduced);
    denseBackward(par, s1, n, reduced, expandW, expandB, dz2, channels, ds1, s);
    for (int i = 0; i < n * reduced; i++) {
      ds1[i] *= Act.derivative(inner, z1[i]);
    }
    float[] dPooled = s.take("se.dpooled", n * channels);
    denseBackward(par, pooled, n, channels, reduceW, reduceB, ds1, reduced, dPooled, s);
    par.forRange(n, (t, from, to) -> {
      for (int b = from; b < to; b++) {
        for (int i = 0; i < hw; i++) {
          int o = (b * hw + i) * channels;
          for (int c = 0; c < channels; c++) {
            dx[o + c] = dy[o + c] * g[b * channels + c] + dPooled[b * channels + c] / hw;
          }
        }
      }
    });
    return dx;
  }

  private static void dense(Parallel par, float[] in, int n, int k, float[] w, float[] bias, int out, float[] z) {
    Gemm.forward(par, in, n, k, w, out, z);
    for (int b = 0; b < n; b++) {
      for (int j = 0; j < out; j++) {
        z[b * out + j] += bias[j];
      }
    }
  }

  /** Adds ∂L/∂w, ∂L/∂bias; writes ∂L/∂in. */
  private static void denseBackward(Parallel par, float[] in, int n, int k, Param w, Param bias, float[] dz, int out,
                                    float[] dIn, Scratch s) {
    float[] gw = s.grad(w);
    Gemm.backwardWeight(par, in, n, k, dz, out, gw, s.partials(k * out));
    SuperBlock.addInto(w.grad(), gw);
    for (int b = 0; b < n; b++) {
      for (int j = 0; j < out; j++) {
        bias.grad()[j] += dz[b * out + j];
      }
    }
    Gemm.backwardInput(par, dz, n, out, Gemm.transpose(w.value(), k, out), k, dIn);
  }
}
