package io.s3nas.nn.engine;

import java.util.Arrays;
import java.util.List;

/** Batch normalisation with its parameters (γ = 1, β = 0 at start), running statistics and ReLU. */
final class BnLayer {
  final Param gamma;
  final Param beta;
  final float[] runMean;
  final float[] runVar;
  final BatchNorm kernel;
  final boolean relu;
  final int channels;

  BnLayer(String name, int channels, boolean relu, double epsilon, int threads) {
    this.channels = channels;
    this.gamma = new Param(name + ".gamma", channels, false);
    this.beta = new Param(name + ".beta", channels, false);
    Arrays.fill(gamma.value(), 1f);
    this.runMean = new float[channels];
    this.runVar = new float[channels];
    Arrays.fill(runVar, 1f);
    this.kernel = new BatchNorm(channels, epsilon, threads);
    this.relu = relu;
  }

  List<Param> params() {
    return List.of(gamma, beta);
  }

  void forward(Parallel par, float[] x, int rows, boolean training, double momentum, float[] y, float[] mask) {
    if (training) {
      kernel.forward(par, x, rows, gamma.value(), beta.value(), relu, y, mask);
      kernel.updateRunning(runMean, runVar, momentum);
    } else {
      kernel.inference(par, x, rows, gamma.value(), beta.value(), runMean, runVar, relu, y);
    }
  }

  /** dx may alias dy; parameter gradients are added to γ and β. */
  void backward(Parallel par, float[] x, int rows, float[] mask, float[] dy, float[] dx) {
    float[] dg = new float[channels];
    float[] db = new float[channels];
    kernel.backward(par, x, rows, gamma.value(), relu ? mask : null, dy, dx, dg, db);
    for (int c = 0; c < channels; c++) {
      gamma.grad()[c] += dg[c];
      beta.grad()[c] += db[c];
    }
  }
}
