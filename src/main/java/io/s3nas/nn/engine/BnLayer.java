package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import java.util.Arrays;
import java.util.List;

/**
 * Batch normalisation with its parameters (γ = 1, β = 0 at start), running statistics and an
 * optional activation: ReLU is fused into the BN kernel (its backward reads the ReLU's output), any
 * other activation runs after BN on a kept pre-activation copy.
 */
final class BnLayer {
  final String name;
  final Param gamma;
  final Param beta;
  final float[] runMean;
  final float[] runVar;
  final BatchNorm kernel;
  final Activation act;
  final boolean relu;
  final int channels;
  private float[] pre;

  BnLayer(String name, int channels, Activation act, double epsilon, int threads) {
    this.name = name;
    this.channels = channels;
    this.gamma = new Param(name + ".gamma", channels, false);
    this.beta = new Param(name + ".beta", channels, false);
    Arrays.fill(gamma.value(), 1f);
    this.runMean = new float[channels];
    this.runVar = new float[channels];
    Arrays.fill(runVar, 1f);
    this.kernel = new BatchNorm(channels, epsilon, threads);
    this.act = act;
    this.relu = act == Activation.RELU;
  }

  BnLayer(String name, int channels, boolean relu, double epsilon, int threads) {
    this(name, channels, relu ? Activation.RELU : null, epsilon, threads);
  }

  /** Parameters by name, then each BN layer's running {@code <bn>.mean} and {@code <bn>.var} (live arrays). */
  static java.util.Map<String, float[]> tensors(List<Param> params, List<BnLayer> norms) {
    java.util.Map<String, float[]> t = new java.util.LinkedHashMap<>();
    for (Param p : params) {
      t.put(p.name(), p.value());
    }
    for (BnLayer b : norms) {
      t.put(b.name + ".mean", b.runMean);
      t.put(b.name + ".var", b.runVar);
    }
    return t;
  }

  List<Param> params() {
    return List.of(gamma, beta);
  }

  /**
   * Inference (running statistics) as {@code {scale, shift}} for the convolution before it to apply
   * in its epilogue, with ReLU there too; null when this layer's activation runs separately (not
   * ReLU), which an epilogue does not do.
   */
  float[][] inferenceEpilogue() {
    return foldsIntoEpilogue() ? kernel.inferenceAffine(gamma.value(), beta.value(), runMean, runVar) : null;
  }

  /** Whether {@link #inferenceEpilogue} has an affine map to give: no activation, or ReLU. */
  boolean foldsIntoEpilogue() {
    return act == null || relu;
  }

  /**
   * {@code y = act(BN(x·w))} for a 1x1 product (or an im2col'd convolution) of {@code rows} rows and
   * {@code k} inputs: in evaluation this layer's inference BN and ReLU run in the GEMM's epilogue
   * ({@link #inferenceEpilogue}), one pass over the output less; otherwise the product goes to
   * {@code pre} and this layer's forward follows.
   */
  void gemmForward(Parallel par, float[] x, int rows, int k, float[] w, float[] pre, boolean training, double momentum,
                   float[] y) {
    float[][] f = training ? null : inferenceEpilogue();
    if (f != null) {
      Gemm.forward(par, x, rows, k, w, channels, y, f[0], f[1], relu);
      return;
    }
    if (!training) {
      Gemm.forward(par, x, rows, k, w, channels, pre);
      forward(par, pre, rows, false, momentum, y);
      return;
    }
    // the statistics are summed from each group of rows the product has just written, in cache
    kernel.clearStatistics();
    Gemm.forward(par, x, rows, k, w, channels, pre, (t, q, from, to) -> kernel.addStatistics(t, q, pre, from, to));
    forward(par, pre, rows, true, momentum, y, true);
  }

  /**
   * Training {@code pre = x·w} and this layer's statistics, summed from each group of rows as the
   * product writes them, and the running averages; no output is written: its consumer normalises
   * pre as it reads it ({@link #normalisedOutput}).
   */
  void gemmStatistics(Parallel par, float[] x, int rows, int k, float[] w, float[] pre, double momentum) {
    kernel.clearStatistics();
    Gemm.forward(par, x, rows, k, w, channels, pre, (t, q, from, to) -> kernel.addStatistics(t, q, pre, from, to));
    kernel.finishStatistics(rows);
    kernel.updateRunning(runMean, runVar, momentum);
  }

  /** The last training forward's output as its consumer reads it: act(x·scale + shift) ({@link #trainingAffine}). */
  Depthwise.Normalised normalisedOutput() {
    float[][] a = trainingAffine();
    return new Depthwise.Normalised(a[0], a[1], relu);
  }

  /**
   * Training: {@code y = act(BN(d))} where d is the depthwise convolution of x by each branch (its
   * channel view and weights, the branches covering d's channels): the statistics are summed from each
   * group of output rows the branches have just written, in cache, as {@link #gemmForward} does for a
   * product, instead of in a pass of their own over d.
   */
  void depthwiseForward(Parallel par, float[] x, Depthwise.Shape[] shapes, float[][] weights, float[] d,
                        double momentum, float[] y) {
    depthwiseForward(par, x, null, null, shapes, weights, d, momentum, y);
  }

  /**
   * As above with x read normalised, image by image into {@code inputs} ({@link Depthwise#forward(Parallel,
   * float[], Depthwise.Normalised, float[][], Depthwise.Shape[], float[][], float[], Gemm.Written)}), when
   * {@code xn} is given.
   */
  void depthwiseForward(Parallel par, float[] x, Depthwise.Normalised xn, float[][] inputs, Depthwise.Shape[] shapes,
                        float[][] weights, float[] d, double momentum, float[] y) {
    kernel.clearStatistics();
    Gemm.Written sums = (t, q, from, to) -> kernel.addStatistics(t, q, d, from, to);
    if (xn != null) {
      Depthwise.forward(par, x, xn, inputs, shapes, weights, d, sums);
    } else {
      Depthwise.forward(par, x, shapes, weights, d, sums);
    }
    int rows = shapes[0].n() * shapes[0].oh() * shapes[0].ow();
    if (y == null) { // the consumer normalises d's rows itself (TiledProducts)
      kernel.finishStatistics(rows);
      kernel.updateRunning(runMean, runVar, momentum);
      return;
    }
    forward(par, d, rows, true, momentum, y, true);
  }

  /**
   * The last training forward's normalisation and activation as {@code {scale, shift}}: y =
   * act(x·scale + shift) (ReLU or none), for a consumer that applies it to x's rows itself.
   */
  float[][] trainingAffine() {
    if (act != null && !relu) {
      throw new IllegalStateException(name + ": only a ReLU or linear BatchNorm is applied by its consumer");
    }
    return kernel.trainingAffine(gamma.value(), beta.value());
  }

  /**
   * Training {@code y = BN(act(x·scale + shift) · w)}: the product of another BatchNorm's output that
   * is never written whole ({@link TiledProducts#forward}), this layer's statistics summed from its
   * rows as they are written, as in {@link #gemmForward}.
   */
  void gemmForwardOfNormalised(Parallel par, float[] x, float[][] affine, boolean actRelu, int rows, int k, float[] w,
                               float[] pre, double momentum, float[] y, Scratch s) {
    kernel.clearStatistics();
    TiledProducts.forward(par, x, rows, k, affine[0], affine[1], actRelu, w, channels, pre,
        (t, q, from, to) -> kernel.addStatistics(t, q, pre, from, to), s);
    forward(par, pre, rows, true, momentum, y, true);
  }

  /** dγ and dβ (added to the parameters' gradients) and the input gradient's coefficients from the sums of {@code rows} rows. */
  void finishBackwardSums(int rows) {
    float[] dg = new float[channels];
    float[] db = new float[channels];
    kernel.finishGradientSums(rows, gamma.value(), dg, db);
    for (int c = 0; c < channels; c++) {
      gamma.grad()[c] += dg[c];
      beta.grad()[c] += db[c];
    }
  }

  /**
   * The first half of {@link #backward} (ReLU or no activation): the gradient's sums over x and dy,
   * then dγ and dβ; the consumer computes the input gradient's rows itself
   * ({@link BatchNorm#inputGradientRows}, {@link TiledProducts#expandBackward}).
   */
  void backwardSums(Parallel par, float[] x, int rows, float[] dy) {
    if (!sumsFromProducer()) {
      throw new IllegalStateException(name + ": only a ReLU or linear BatchNorm's input gradient is left to its consumer");
    }
    Gemm.Written sums = gradientSums(x, dy);
    par.forSlices(rows, (t, q, from, to) -> sums.rows(t, q, from, to));
    finishBackwardSums(rows);
  }

  /**
   * Forward; in training the output {@code y} (ReLU) or a pre-activation copy (other activations) is
   * what {@link #backward(Parallel, float[], int, float[], float[])} reads, so {@code y} must hold it
   * until then (or the caller reads x with {@link #trainingAffine} instead, as {@link TiledProducts} does).
   */
  void forward(Parallel par, float[] x, int rows, boolean training, double momentum, float[] y) {
    forward(par, x, rows, training, momentum, y, false);
  }

  /** As above; with {@code summed} the statistics' sums of x are already in the kernel (training only). */
  private void forward(Parallel par, float[] x, int rows, boolean training, double momentum, float[] y,
                       boolean summed) {
    boolean separate = act != null && !relu;
    float[] out = y;
    if (separate) {
      if (pre == null || pre.length < rows * channels) {
        pre = new float[rows * channels];
      }
      out = pre;
    }
    if (training && summed) {
      kernel.forwardFromStatistics(par, x, rows, gamma.value(), beta.value(), relu, out);
      kernel.updateRunning(runMean, runVar, momentum);
    } else if (training) {
      kernel.forward(par, x, rows, gamma.value(), beta.value(), relu, out);
      kernel.updateRunning(runMean, runVar, momentum);
    } else {
      kernel.inference(par, x, rows, gamma.value(), beta.value(), runMean, runVar, relu, out);
    }
    if (separate) {
      Act.forward(par, act, pre, y, rows * channels);
    }
  }

  /** The pre-activation copy a BN with a separate activation (not ReLU) keeps for {@code rows} rows. */
  void footprint(long rows, TrainingFootprint f) {
    if (act != null && !relu) {
      f.own(rows * channels);
    }
  }

  /**
   * Whether a producer of this layer's output gradient can add its rows to the backward's sums as it
   * writes them ({@link #gradientSums}): no activation, or ReLU (another activation's derivative
   * runs on the whole gradient first).
   */
  boolean sumsFromProducer() {
    return act == null || relu;
  }

  /**
   * Starts a backward of the last training forward on x whose output gradient dy is about to be
   * written by a producer, which calls the returned {@link Gemm.Written} on each group of dy's rows
   * while they are in cache (a product's groups of rows, or a MixConv depthwise backward's images
   * over all branches); {@link #backwardFromSums}, or {@link #finishBackwardSums} for a consumer that
   * computes the input gradient itself, then finishes it. Only when {@link #sumsFromProducer}.
   */
  Gemm.Written gradientSums(float[] x, float[] dy) {
    if (!sumsFromProducer()) {
      throw new IllegalStateException(name + ": only a ReLU or linear BatchNorm's sums are taken from a producer");
    }
    kernel.startGradientSums(gamma.value(), beta.value());
    return (t, q, from, to) -> kernel.addGradientSums(t, q, x, dy, relu, from, to);
  }

  /**
   * The rest of the backward {@link #gradientSums} started, once dy is whole, for a consumer that
   * takes the input gradient image by image ({@link Depthwise#backward(Parallel, float[],
   * Depthwise.Normalised, float[][], Depthwise.Shape[], float[][], Depthwise.ImageGradient, float[][],
   * float[], float[][], float[][][], Gemm.Written)}): dγ and dβ now, then image b's rows (each
   * {@code pixels} rows of x and dy) as it asks for them: the same floats {@link #backwardFromSums}
   * writes.
   */
  Depthwise.ImageGradient inputGradientByImage(float[] x, int rows, float[] dy, int pixels) {
    finishBackwardSums(rows);
    return (b, out) -> kernel.inputGradientRows(x, dy, relu, b * pixels, (b + 1) * pixels, out, 0);
  }

  /** The rest of the backward {@link #gradientSums} started, once dy is whole; dx may alias dy. */
  void backwardFromSums(Parallel par, float[] x, int rows, float[] dy, float[] dx) {
    float[] dg = new float[channels];
    float[] db = new float[channels];
    kernel.backwardFromSums(par, x, rows, gamma.value(), relu, dy, dx, dg, db);
    for (int c = 0; c < channels; c++) {
      gamma.grad()[c] += dg[c];
      beta.grad()[c] += db[c];
    }
  }

  /**
   * Backward of the last training forward on the same x (its output need not be kept: a ReLU's gate
   * is read off x); dx may alias dy; parameter gradients are added to γ and β.
   */
  void backward(Parallel par, float[] x, int rows, float[] dy, float[] dx) {
    float[] g = dy;
    if (act != null && !relu) {
      Act.backward(par, act, pre, dy, dx, rows * channels);
      g = dx;
    }
    float[] dg = new float[channels];
    float[] db = new float[channels];
    kernel.backward(par, x, rows, gamma.value(), beta.value(), relu, g, dx, dg, db);
    for (int c = 0; c < channels; c++) {
      gamma.grad()[c] += dg[c];
      beta.grad()[c] += db[c];
    }
  }
}
