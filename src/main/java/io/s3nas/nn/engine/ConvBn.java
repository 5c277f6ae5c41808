package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import java.util.List;
import java.util.Random;

/**
 * A k×k convolution with stride and TensorFlow 'SAME' padding, no bias, then BN and an optional
 * activation: the stem, the fused blocks' front conv, 1x1 expand / project convs and the head
 * convs. k×k runs as im2col + GEMM (weights [ky][kx][in][out], the YXIO layout ND4J and ONNX
 * export read), a 1x1 stride-1 conv as a plain GEMM on the NHWC rows.
 */
final class ConvBn {
  final int cin;
  final int cout;
  final int k;
  final int stride;
  final int size;
  final int outSize;
  final Param weight;
  final BnLayer bn;
  private final boolean inputGrad;
  private final boolean pointwise;
  /** The input gradient goes to a scratch buffer every such layer shares (see {@link #shareInputGradient}). */
  private boolean sharedDx;
  /** Training writes no output: the consumer normalises z ({@link #outputNormalisedByConsumer}). */
  private boolean outputByConsumer;
  private float[] x;
  /**
   * When the last forward's input x was another BatchNorm's input, normalised as the product read it:
   * that BatchNorm's {scale, shift} ({@link #forwardOfNormalised}); null when x is the input itself.
   */
  private float[][] normalised;
  private boolean normalisedRelu;
  private float[] used;
  private float[] col;
  private float[] z;
  private float[] y;
  private float[] dx;
  private int batch;

  ConvBn(String name, int cin, int cout, int k, int stride, int size, Activation act, boolean inputGrad, Random init,
         double eps, int threads) {
    this.cin = cin;
    this.cout = cout;
    this.k = k;
    this.stride = stride;
    this.size = size;
    this.outSize = Depthwise.outSize(size, stride);
    this.inputGrad = inputGrad;
    this.pointwise = k == 1 && stride == 1;
    this.weight = new Param(name + ".conv", k * k * cin * cout, true);
    Init.normal(weight.value(), Math.sqrt(2.0 / (k * k * cout)), init);
    this.bn = new BnLayer(name + ".bn", cout, act, eps, threads);
  }

  /**
   * The input gradient this layer's backward returns goes to one scratch buffer all such layers share
   * instead of a buffer of its own: for a layer whose caller consumes that gradient before any other
   * such layer's backward runs (a block's projection). Call before the first forward.
   */
  ConvBn shareInputGradient() {
    sharedDx = true;
    return this;
  }

  List<Param> params() {
    return List.of(weight, bn.gamma, bn.beta);
  }

  float[] forward(Parallel par, float[] input, int n, boolean training, double momentum) {
    return forward(par, input, n, training, momentum, weight.value());
  }

  /**
   * Forward with the given weights instead of the parameter's (a searchable fused block's masked
   * superkernel Ŵ); the backward pass then adds ∂L/∂Ŵ to the parameter's gradient.
   */
  float[] forward(Parallel par, float[] input, int n, boolean training, double momentum, float[] weights) {
    int pOut = n * outSize * outSize;
    allocate(n);
    this.x = input;
    this.normalised = null;
    this.used = weights;
    float[] c = pointwise ? input : im2col(par, input, n);
    bn.gemmForward(par, c, pOut, k * k * cin, weights, z, training, momentum, output(n));
    return y;
  }

  /**
   * Training forward of a 1x1 layer whose consumer reads its output normalised ({@link BnLayer#normalisedOutput}):
   * the product and its BatchNorm's statistics, no output written. Returns the product; the backward
   * reads only it and the input, as after {@link #forward}.
   */
  float[] forwardUnnormalised(Parallel par, float[] input, int n, double momentum) {
    if (!pointwise) {
      throw new IllegalStateException("an output left to its consumer to normalise is a 1x1 layer's");
    }
    allocate(n);
    this.x = input;
    this.normalised = null;
    this.used = weight.value();
    bn.gemmStatistics(par, input, n * outSize * outSize, cin, used, z, momentum);
    return z;
  }

  /**
   * This layer's consumer reads its training output normalised ({@link #forwardUnnormalised}): the
   * output buffer is then allocated only if an evaluation goes layer by layer. Call before the first forward.
   */
  ConvBn outputNormalisedByConsumer() {
    outputByConsumer = true;
    return this;
  }

  /**
   * Training forward of a 1x1 layer whose input is act(d·scale + shift), the output of another
   * BatchNorm ({@code affine} = {scale, shift}, {@code relu} its activation) that is never written:
   * each group of its rows is normalised into a tile as the product reads it, and again for the weight
   * gradient in backward ({@link TiledProducts}).
   */
  float[] forwardOfNormalised(Parallel par, float[] d, float[][] affine, boolean relu, int n, double momentum,
                              Scratch s) {
    if (!pointwise) {
      throw new IllegalStateException("a normalised input is taken by a 1x1 layer only");
    }
    allocate(n);
    this.x = d;
    this.normalised = affine;
    this.normalisedRelu = relu;
    this.used = weight.value();
    bn.gemmForwardOfNormalised(par, d, affine, relu, n * outSize * outSize, cin, used, z, momentum, output(n), s);
    return y;
  }

  /** The buffer {@link #forward} writes its output to at batch n, for a caller that fills it another way. */
  float[] output(int n) {
    allocate(n);
    if (y == null) {
      y = new float[n * outSize * outSize * cout];
    }
    return y;
  }

  private void allocate(int n) {
    if (n != batch) {
      int pOut = n * outSize * outSize;
      batch = n;
      col = pointwise ? null : new float[pOut * k * k * cin];
      z = new float[pOut * cout];
      y = null; // allocated by the first forward that writes it (output)
      dx = inputGrad && !sharedDx ? new float[n * size * size * cin] : null;
    }
  }

  /** What {@link #forward} allocates at batch {@code n} and {@link #backward} takes from the scratch. */
  void footprint(int n, TrainingFootprint f) {
    long pOut = (long) n * outSize * outSize;
    long kc = (long) k * k * cin;
    f.own((pointwise ? 0 : pOut * kc) + (outputByConsumer ? 1 : 2) * pOut * cout
        + (inputGrad && !sharedDx ? (long) n * size * size * cin : 0));
    if (inputGrad && sharedDx) {
      f.scratch(SHARED_DX, (long) n * size * size * cin);
    }
    bn.footprint(pOut, f);
    f.scratch("conv.dz", pOut * cout);
    if (inputGrad && !pointwise) {
      f.scratch("conv.dcol", pOut * kc);
    }
  }

  /** Adds the weight and BN gradients; returns ∂L/∂input (this layer's buffer) or null without input gradient. */
  float[] backward(Parallel par, float[] dy, Scratch s) {
    return backward(par, dy, s, null);
  }

  /**
   * The buffer {@link #backward} writes the input gradient to: the caller's consumer of
   * {@code written} reads it there.
   */
  float[] inputGradient(Scratch s) {
    return sharedDx ? s.take(SHARED_DX, batch * size * size * cin) : dx;
  }

  /**
   * As {@link #backward(Parallel, float[], Scratch)}; a 1x1 layer with input gradient tells
   * {@code written} (when given) of each group of the input gradient's rows it has just written, in
   * {@link #inputGradient}: the next layer back's BatchNorm sums them while they are in cache.
   */
  float[] backward(Parallel par, float[] dy, Scratch s, Gemm.Written written) {
    if (written != null && !(pointwise && inputGrad)) {
      throw new IllegalArgumentException("rows of the input gradient are told of by a 1x1 layer with one");
    }
    int pOut = batch * outSize * outSize;
    int kc = k * k * cin;
    float[] g = s.grad(weight);
    if (written == null && sumsFromProducer()) {
      bn.backwardSums(par, z, pOut, dy);
      return tiledBackward(par, dy, s);
    }
    float[] dz = s.take("conv.dz", pOut * cout);
    bn.backward(par, z, pOut, dy, dz);
    if (normalised != null) {
      TiledProducts.weightGradient(par, x, pOut, kc, normalised[0], normalised[1], normalisedRelu, dz, cout, g,
          s.partials(kc * cout), s);
    } else {
      Gemm.backwardWeight(par, pointwise ? x : col, pOut, kc, dz, cout, g, s.partials(kc * cout));
    }
    SuperBlock.addInto(weight.grad(), g);
    if (!inputGrad) {
      return null;
    }
    float[] wT = Gemm.transpose(used, kc, cout);
    float[] out = inputGradient(s);
    if (pointwise && written != null) {
      Gemm.forward(par, dz, pOut, cout, wT, cin, out, written); // the input gradient's product, told of by rows
      return out;
    }
    if (pointwise) {
      Gemm.backwardInput(par, dz, pOut, cout, wT, cin, out);
      return out;
    }
    float[] dcol = s.take("conv.dcol", pOut * kc);
    Gemm.backwardInput(par, dz, pOut, cout, wT, kc, dcol);
    col2im(par, dcol, batch, out);
    return out;
  }

  /**
   * Whether this layer's backward can take its BatchNorm's sums from the producer of its output
   * gradient ({@link #gradientSums}, {@link #backwardFromSums}) and go tile by tile
   * ({@link TiledProducts#expandBackward}): a 1x1 layer with input gradient on its own input, its
   * BatchNorm's activation ReLU or none.
   */
  boolean sumsFromProducer() {
    return pointwise && inputGrad && normalised == null && bn.sumsFromProducer();
  }

  /** The BatchNorm's backward sums, told of dy's rows by their producer (see {@link BnLayer#gradientSums}). */
  Gemm.Written gradientSums(float[] dy) {
    return bn.gradientSums(z, dy);
  }

  /** The backward once dy is whole and {@link #gradientSums} has summed it; returns ∂L/∂input. */
  float[] backwardFromSums(Parallel par, float[] dy, Scratch s) {
    bn.finishBackwardSums(batch * outSize * outSize);
    return tiledBackward(par, dy, s);
  }

  /** The BatchNorm's input gradient chunk by chunk for both products that read it ({@link TiledProducts}). */
  private float[] tiledBackward(Parallel par, float[] dy, Scratch s) {
    int kc = k * k * cin;
    float[] g = s.grad(weight);
    float[] out = inputGradient(s);
    TiledProducts.expandBackward(par, bn.kernel, z, dy, bn.relu, batch * outSize * outSize, x, cin,
        Gemm.transpose(used, kc, cout), cout, g, out, s.partials(kc * cout), s);
    SuperBlock.addInto(weight.grad(), g);
    return out;
  }

  private static final String SHARED_DX = "conv.shared-dx";

  private float[] im2col(Parallel par, float[] in, int n) {
    float[] out = col;
    int pad = Depthwise.padBefore(size, k, stride);
    // rows are independent: pieces balance the threads with the same floats
    par.forPieces(n * outSize, (t, from, to) -> im2colRows(in, out, from, to, k, cin, size, outSize, stride, pad));
    return col;
  }

  /**
   * Output rows [from, to) (row = image · outSize + oy) of im2col: each output pixel's k·k taps of cin
   * channels, zeros outside the image. Tap by tap along the row, the pixels whose tap lands inside the
   * image in one plain strided copy: pixel by pixel, with a {@code System.arraycopy} per tap of the
   * stem's single channel (and again with a loop per tap in the region's lambda), im2col ran at 5-7 ns
   * a float, 1.5% of a derived network's training step (docs/engine-measurements.md, "2026-12-01 (night)").
   */
  static void im2colRows(float[] in, float[] col, int from, int to, int k, int cin, int size, int outSize,
                         int stride, int pad) {
    int kc = k * k * cin;
    for (int row = from; row < to; row++) {
      int b = row / outSize;
      int oy = row % outSize;
      int o = row * outSize * kc;
      for (int ky = 0; ky < k; ky++) {
        int iy = oy * stride + ky - pad;
        boolean rowInside = iy >= 0 && iy < size;
        for (int kx = 0; kx < k; kx++) {
          int tap = o + (ky * k + kx) * cin;
          // the pixels ox in [lo, hi] read ix = ox·stride + kx − pad inside [0, size)
          int lo = rowInside ? Math.min(outSize, Math.max(0, -Math.floorDiv(kx - pad, stride))) : outSize;
          int hi = rowInside ? Math.min(outSize - 1, Math.floorDiv(size - 1 + pad - kx, stride)) : outSize - 1;
          for (int ox = 0; ox < lo; ox++) {
            java.util.Arrays.fill(col, tap + ox * kc, tap + ox * kc + cin, 0f);
          }
          int src = ((b * size + iy) * size + lo * stride + kx - pad) * cin;
          if (cin == 1) {
            for (int ox = lo, d = tap + lo * kc; ox <= hi; ox++, d += kc, src += stride) {
              col[d] = in[src];
            }
          } else {
            for (int ox = lo; ox <= hi; ox++, src += stride * cin) {
              System.arraycopy(in, src, col, tap + ox * kc, cin);
            }
          }
          for (int ox = Math.max(lo, hi + 1); ox < outSize; ox++) {
            java.util.Arrays.fill(col, tap + ox * kc, tap + ox * kc + cin, 0f);
          }
        }
      }
    }
  }

  /** The adjoint of im2col; threads own whole images, so their scatter-adds never overlap. */
  private void col2im(Parallel par, float[] dcol, int n, float[] dx) {
    int kc = k * k * cin;
    int pad = Depthwise.padBefore(size, k, stride);
    java.util.Arrays.fill(dx, 0, n * size * size * cin, 0f);
    par.forRange(n, (t, from, to) -> {
      for (int b = from; b < to; b++) {
        for (int oy = 0; oy < outSize; oy++) {
          for (int ox = 0; ox < outSize; ox++) {
            int o = ((b * outSize + oy) * outSize + ox) * kc;
            for (int ky = 0; ky < k; ky++) {
              int iy = oy * stride + ky - pad;
              if (iy < 0 || iy >= size) {
                continue;
              }
              for (int kx = 0; kx < k; kx++) {
                int ix = ox * stride + kx - pad;
                if (ix < 0 || ix >= size) {
                  continue;
                }
                int src = o + (ky * k + kx) * cin;
                int dst = ((b * size + iy) * size + ix) * cin;
                for (int c = 0; c < cin; c++) {
                  dx[dst + c] += dcol[src + c];
                }
              }
            }
          }
        }
      }
    });
  }
}
