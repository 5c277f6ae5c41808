package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A searchable MBConv/MixConv block of the supernet (docs/method.md §1.2, §3) on NHWC activations:
 * 1x1 expand → BN → ReLU → one depthwise superkernel per branch over its own channel group (the
 * masked weights Ŵ come from the branch's {@code BranchSuperkernel}) → BN → ReLU → 1x1 project →
 * BN (+ input when residual). A searchable fused block (c16) has one branch, the full k×k front
 * conv carrying the stride, as its superkernel: front(Ŵ) → BN → ReLU → 1x1 project → BN. Masked channels are not removed (docs/method.md §13.2): a zeroed branch
 * computes zeros, as in the reference. Backward returns ∂L/∂x and leaves ∂L/∂Ŵ per branch in
 * {@link #weightHatGrad(int)}.
 */
final class SuperBlock {
  final int in;
  final int expanded;
  final int out;
  final int stride;
  final int size;
  final int outSize;
  final boolean residual;
  final boolean expand;
  final int[] offsets;
  final int[] lengths;
  final int[] kernels;
  final ConvBn fused;
  final Param expandW;
  final BnLayer bn1;
  final List<Param> depthwise = new ArrayList<>();
  final BnLayer bn2;
  final Param projectW;
  final BnLayer bn3;
  private final float[][] dwHatGrad;
  private float[][] weightHat;
  private float[] x;
  private float[] e1;
  /** How the last training forward's depthwise layers read e1: bn1's normalisation and ReLU. */
  private Depthwise.Normalised e1Read;
  private float[] d;
  private float[] projectIn;
  private float[] p;
  private float[] y;
  private float[] dx;
  private int batch;
  /** The scratch buffer evaluation's unfolded depthwise BatchNorm output goes to (see {@link #forward}). */
  private static final String ACT = "block.activations";
  /** Whether evaluation goes image by image where it can ({@link #runsByImage}); off only in tests comparing both. */
  boolean byImage = true;
  /** Evaluation image by image ({@link #forwardByImage}), made on first use. */
  private ImageEvaluation imageEvaluation;

  SuperBlock(String name, SearchableBlock b, Random init, double eps, int threads) {
    BlockArgs a = b.superArgs();
    this.in = a.inputFilters();
    this.expanded = a.expandedFilters();
    this.out = a.outputFilters();
    this.stride = a.strideH();
    this.size = b.inputSize();
    this.outSize = Depthwise.outSize(size, stride);
    this.residual = a.residual();
    this.expand = a.totalExpansion() != 1 && !a.type().fused();
    int nb = a.kernels().size();
    this.fused = a.type().fused()
        ? new ConvBn(name + ".fused", in, expanded, a.kernels().get(0), stride, size, Activation.RELU, true, init, eps, threads)
        : null;
    this.offsets = new int[nb];
    this.lengths = new int[nb];
    this.kernels = new int[nb];
    int off = 0;
    for (int i = 0; i < nb; i++) {
      offsets[i] = off;
      lengths[i] = in * a.expansions().get(i);
      kernels[i] = a.kernels().get(i);
      off += lengths[i];
      if (fused == null) {
        Param dw = new Param(name + ".dw" + i, kernels[i] * kernels[i] * lengths[i], true);
        Init.normal(dw.value(), Math.sqrt(2.0 / (kernels[i] * kernels[i])), init);
        depthwise.add(dw);
      } else {
        depthwise.add(fused.weight);
      }
    }
    this.expandW = expand ? new Param(name + ".expand", in * expanded, true) : null;
    if (expand) {
      Init.normal(expandW.value(), Math.sqrt(2.0 / expanded), init);
    }
    this.bn1 = expand ? new BnLayer(name + ".bn1", expanded, true, eps, threads) : null;
    this.bn2 = fused == null ? new BnLayer(name + ".bn2", expanded, true, eps, threads) : null;
    this.projectW = new Param(name + ".project", expanded * out, true);
    Init.normal(projectW.value(), Math.sqrt(2.0 / out), init);
    this.bn3 = new BnLayer(name + ".bn3", out, false, eps, threads);
    this.dwHatGrad = new float[nb][];
    for (int i = 0; i < nb; i++) {
      dwHatGrad[i] = fused != null ? fused.weight.grad() : new float[kernels[i] * kernels[i] * lengths[i]];
    }
  }

  List<Param> params() {
    List<Param> ps = new ArrayList<>();
    if (fused != null) {
      ps.addAll(fused.params());
      ps.add(projectW);
      ps.addAll(bn3.params());
      return ps;
    }
    if (expand) {
      ps.add(expandW);
      ps.addAll(bn1.params());
    }
    ps.addAll(depthwise);
    ps.addAll(bn2.params());
    ps.add(projectW);
    ps.addAll(bn3.params());
    return ps;
  }

  /** What {@link #allocate} and the scratch buffers of both passes hold at batch {@code n}. */
  void footprint(int n, TrainingFootprint f) {
    long pIn = (long) n * size * size;
    long pOut = (long) n * outSize * outSize;
    f.own(2 * pOut * out + pIn * in);
    f.scratch("dp", pOut * out);
    f.scratch("dd", pOut * expanded);
    if (fused != null) {
      fused.footprint(n, f);
      return;
    }
    f.own((expand ? pIn * expanded : 0) + pOut * expanded);
    f.scratch(ACT, pOut * expanded);
    f.scratch("dh", pIn * expanded);
  }

  float[] weightHatGrad(int branch) {
    return dwHatGrad[branch];
  }

  private void allocate(int n) {
    if (n == batch) {
      return;
    }
    batch = n;
    int pIn = n * size * size;
    int pOut = n * outSize * outSize;
    e1 = expand ? new float[pIn * expanded] : null;
    d = fused == null ? new float[pOut * expanded] : null;
    p = new float[pOut * out];
    y = new float[pOut * out];
    dx = new float[pIn * in];
  }

  /**
   * In training the block keeps the expand product e1, the depthwise output d and the project product
   * p, and its output. Neither BatchNorm between them writes its output (bn1 not in evaluation either):
   * the depthwise layers read e1 normalised image by image, here and in backward ({@link
   * Depthwise#forward(Parallel, float[], Depthwise.Normalised, float[][], Depthwise.Shape[], float[][],
   * float[], Gemm.Written)}), and the projection normalises d's rows into its tiles ({@link
   * TiledProducts}). bn1's output was once written whole and read back by both depthwise passes
   * (docs/engine-measurements.md, "2026-12-01 (late night)").
   */
  float[] forward(Parallel par, float[] input, int n, float[][] hat, boolean training, double momentum, Scratch s) {
    allocate(n);
    this.x = input;
    this.weightHat = hat;
    int pIn = n * size * size;
    int pOut = n * outSize * outSize;
    if (fused != null) {
      float[] h = fused.forward(par, input, n, training, momentum, hat[0]);
      return project(par, h, input, pOut, training, momentum);
    }
    Depthwise.Shape[] shapes = shapes(n);
    if (training) {
      e1Read = null;
      if (expand) {
        bn1.gemmStatistics(par, input, pIn, in, expandW.value(), e1, momentum);
        e1Read = bn1.normalisedOutput();
      }
      // bn2's output is never written: the projection normalises d's rows into its tiles, here and
      // for its weight gradient in backward (TiledProducts)
      bn2.depthwiseForward(par, expand ? e1 : input, e1Read, inputs(shapes, s), shapes, hat, d, momentum, null);
      projectIn = null;
      bn3.gemmForwardOfNormalised(par, d, bn2.trainingAffine(), bn2.relu, pOut, expanded, projectW.value(), p,
          momentum, y, s);
      if (residual) {
        Elementwise.addInto(par, y, input, y.length);
      }
      return y;
    }
    if (byImage && runsByImage()) {
      return forwardByImage(par, input, n, hat);
    }
    // evaluation layer by layer (what the image-by-image evaluation is tested against, and the path of a
    // BatchNorm that does not fold): bn2 (and ReLU) on each depthwise output row while it is in L1 (no
    // pass of their own); bn1's output is not written either: the depthwise layers read e1 normalised
    // image by image, as in training, with bn1's running statistics (bn1 is a ReLU BatchNorm: it always
    // folds)
    float[][] f2 = bn2.inferenceEpilogue();
    float[] scale = f2 == null ? null : f2[0];
    float[] shift = f2 == null ? null : f2[1];
    if (expand) {
      float[][] f1 = bn1.inferenceEpilogue();
      Gemm.forward(par, input, pIn, in, expandW.value(), expanded, e1);
      Depthwise.forward(par, e1, new Depthwise.Normalised(f1[0], f1[1], bn1.relu), inputs(shapes, s), shapes, hat, d,
          scale, shift, bn2.relu, null);
    } else {
      for (int b = 0; b < offsets.length; b++) {
        Depthwise.forward(par, input, shapes[b], hat[b], d, scale, shift, bn2.relu);
      }
    }
    if (f2 != null) {
      return project(par, d, input, pOut, training, momentum);
    }
    float[] act = s.take(ACT, pOut * expanded);
    bn2.forward(par, d, pOut, false, momentum, act);
    return project(par, act, input, pOut, training, momentum);
  }

  /**
   * Evaluation one image at a time ({@link ImageEvaluation}), as a derived network's blocks evaluate:
   * layer by layer the expansion and the depthwise output, the widest tensors, went out to memory and
   * were read back.
   */
  private float[] forwardByImage(Parallel par, float[] input, int n, float[][] hat) {
    if (imageEvaluation == null) {
      imageEvaluation = new ImageEvaluation(size, in, expanded, outSize, out, residual, shapes(1));
    }
    ImageEvaluation.Weights w = new ImageEvaluation.Weights(expand ? expandW.value() : null,
        expand ? bn1.inferenceEpilogue() : null, expand && bn1.relu, hat, bn2.inferenceEpilogue(), bn2.relu,
        projectW.value(), bn3.inferenceEpilogue(), bn3.relu);
    return imageEvaluation.run(par, input, n, w, y);
  }

  /**
   * Whether evaluation goes image by image: a block with depthwise layers (not the fused front
   * convolution, which runs on the whole batch) whose every BatchNorm folds into an epilogue.
   */
  boolean runsByImage() {
    return fused == null && bn2.foldsIntoEpilogue() && bn3.foldsIntoEpilogue() && (!expand || bn1.foldsIntoEpilogue());
  }

  private Depthwise.Shape[] shapes(int n) {
    Depthwise.Shape[] shapes = new Depthwise.Shape[offsets.length];
    for (int b = 0; b < offsets.length; b++) {
      shapes[b] = new Depthwise.Shape(n, size, size, expanded, offsets[b], lengths[b], kernels[b], stride);
    }
    return shapes;
  }

  /** Per thread, one image of e1 normalised as the depthwise layers read it; null without expansion. */
  private float[][] inputs(Depthwise.Shape[] shapes, Scratch s) {
    return expand ? s.tiles("block.e1-image", Depthwise.inputImage(shapes)) : null;
  }

  private float[] project(Parallel par, float[] h, float[] input, int pOut, boolean training, double momentum) {
    projectIn = h;
    bn3.gemmForward(par, h, pOut, expanded, projectW.value(), p, training, momentum, y);
    if (residual) {
      Elementwise.addInto(par, y, input, y.length);
    }
    return y;
  }

  /** Returns ∂L/∂x in this block's own buffer (valid until its next backward); {@code dy} is read only. */
  float[] backward(Parallel par, float[] dy, Scratch s) {
    int n = batch;
    int pIn = n * size * size;
    int pOut = n * outSize * outSize;
    float[] dp = s.take("dp", pOut * out);
    bn3.backward(par, p, pOut, dy, dp);
    if (fused == null) {
      float[][] a2 = bn2.trainingAffine(); // the forward's normalisation of d, which the projection read
      TiledProducts.weightGradient(par, d, pOut, expanded, a2[0], a2[1], bn2.relu, dp, out, s.grad(projectW),
          s.partials(expanded * out), s);
    } else {
      Gemm.backwardWeight(par, projectIn, pOut, expanded, dp, out, s.grad(projectW), s.partials(expanded * out));
    }
    addInto(projectW.grad(), s.grad(projectW));
    float[] dd = s.take("dd", pOut * expanded);
    float[] projectT = Gemm.transpose(projectW.value(), expanded, out);
    if (fused == null) {
      // bn2 (ReLU) sums its gradient from each group of dd's rows as the product writes them, not in a
      // pass of their own (docs/engine-measurements.md, "2026-12-01 (afternoon)")
      Gemm.forward(par, dp, pOut, out, projectT, expanded, dd, bn2.gradientSums(d, dd));
    } else {
      Gemm.backwardInput(par, dp, pOut, out, projectT, expanded, dd);
    }
    if (fused != null) {
      float[] dIn = fused.backward(par, dd, s);
      System.arraycopy(dIn, 0, dx, 0, pIn * in);
      addResidual(par, dy);
      return dx;
    }
    float[] dh = s.take("dh", pIn * expanded);
    Depthwise.Shape[] shapes = shapes(n);
    // bn2's input gradient image by image as the branches read it (not a pass of its own over dd), e1
    // normalised image by image as in forward; bn1's backward sums read each image's rows of dh as the
    // branches finish them, in cache
    Depthwise.backward(par, expand ? e1 : x, e1Read, inputs(shapes, s), shapes, weightHat,
        bn2.inputGradientByImage(d, pOut, dd, outSize * outSize), s.tiles("dd-image", Depthwise.outputImage(shapes)),
        dh, dwHatGrad, s.partialSets(Depthwise.backwardScratch(shapes)), expand ? bn1.gradientSums(e1, dh) : null);
    if (expand) {
      // bn1's input gradient is computed chunk by chunk for both products that read it (TiledProducts)
      bn1.finishBackwardSums(pIn);
      TiledProducts.expandBackward(par, bn1.kernel, e1, dh, bn1.relu, pIn, x, in,
          Gemm.transpose(expandW.value(), in, expanded), expanded, s.grad(expandW), dx, s.partials(in * expanded), s);
      addInto(expandW.grad(), s.grad(expandW));
    } else {
      System.arraycopy(dh, 0, dx, 0, pIn * in);
    }
    addResidual(par, dy);
    return dx;
  }

  private void addResidual(Parallel par, float[] dy) {
    if (residual) {
      Elementwise.addInto(par, dx, dy, dx.length);
    }
  }

  static void addInto(float[] acc, float[] g) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += g[i];
    }
  }
}
