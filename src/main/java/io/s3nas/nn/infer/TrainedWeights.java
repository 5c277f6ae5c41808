package io.s3nas.nn.infer;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trained tensors (the engine's names) with each BN folded into its conv:
 * {@code W' = W·γ/√(σ²+ε)} per output channel, {@code b' = β − μ·γ/√(σ²+ε)}.
 */
public final class TrainedWeights implements Weights {
  private final Map<String, float[]> tensors;
  private final double epsilon;

  public TrainedWeights(Map<String, float[]> tensors, double bnEpsilon) {
    this.tensors = tensors;
    this.epsilon = bnEpsilon;
  }

  private float[] get(String name, int length) {
    float[] t = tensors.get(name);
    if (t == null || t.length != length) {
      throw new IllegalArgumentException("tensor " + name + (t == null ? " missing" : " has " + t.length
          + " values, expected " + length));
    }
    return t;
  }

  /** Folded scale and shift of BN {@code bn} over channels [offset, offset+n). */
  private float[][] fold(String bn, int total, int offset, int n) {
    float[] g = get(bn + ".gamma", total);
    float[] b = get(bn + ".beta", total);
    float[] m = get(bn + ".mean", total);
    float[] v = get(bn + ".var", total);
    float[] scale = new float[n];
    float[] shift = new float[n];
    for (int c = 0; c < n; c++) {
      int i = offset + c;
      scale[c] = (float) (g[i] / Math.sqrt(v[i] + epsilon));
      shift[c] = b[i] - m[i] * scale[c];
    }
    return new float[][] {scale, shift};
  }

  @Override
  public INDArray[] conv(String layer, int k, int cin, int cout) {
    float[] w = get(layer + ".conv", k * k * cin * cout).clone();
    float[][] f = fold(layer + ".bn", cout, 0, cout);
    for (int i = 0; i < w.length; i++) {
      w[i] *= f[0][i % cout];
    }
    return new INDArray[] {Nd4j.create(w, new long[] {k, k, cin, cout}, 'c'), Nd4j.create(f[1])};
  }

  @Override
  public INDArray[] depthwise(String block, int group, int k, int offset, int channels) {
    float[] w = get(block + ".dw" + group, k * k * channels).clone();
    int total = tensors.get(block + ".dw.bn.gamma").length;
    float[][] f = fold(block + ".dw.bn", total, offset, channels);
    for (int i = 0; i < w.length; i++) {
      w[i] *= f[0][i % channels];
    }
    return new INDArray[] {Nd4j.create(w, new long[] {k, k, channels, 1}, 'c'), Nd4j.create(f[1])};
  }

  @Override
  public INDArray[] dense(String layer, int in, int out) {
    float[] w = get(layer, in * out);
    float[] b = tensors.containsKey(layer + ".bias") ? get(layer + ".bias", out) : new float[out];
    return new INDArray[] {Nd4j.create(w.clone(), new long[] {in, out}, 'c'), Nd4j.create(b.clone())};
  }
}
