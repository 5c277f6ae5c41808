package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.Complexity;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A block of a final (derived) network on NHWC activations (docs/method.md §1.2, §3, §9): MBConv
 * (1x1 expand → depthwise), MixConv (depthwise kernels over unequal channel groups, {@code in·e_i}
 * channels each) or fused (k×k conv carrying the stride), each front followed by BN and the block's
 * activation, then optional SE, 1x1 projection with BN, and the residual when stride 1 and
 * in = out, with drop-connect (per image, kept images scaled by 1/keep) in training.
 */
final class FinalBlock {
  final BlockArgs args;
  final int size;
  final int outSize;
  final ConvBn front;
  final List<Param> depthwise = new ArrayList<>();
  final int[] offsets;
  final int[] lengths;
  final int[] kernels;
  final BnLayer dwBn;
  final SqueezeExcite se;
  final ConvBn project;
  final double dropConnect;
  private final int expanded;
  /** Each branch's depthwise weight gradient of one backward, before it is added to the branch's Param. */
  private final float[][] depthwiseGrads;
  private float[] frontOut;
  /** How the last training forward's depthwise read frontOut, normalised ({@link #frontNormalisedOnRead}); or null. */
  private Depthwise.Normalised frontRead;
  private float[] d;
  private float[] a;
  private float[] keep;
  private int batch;
  /** Evaluation goes image by image where it can ({@link #forwardByImage}); off only to compare the two in tests. */
  boolean byImage = true;
  /** Training reads the expansion's output normalised where it can ({@link #frontNormalisedOnRead}); as byImage. */
  boolean expansionReadNormalised = true;
  /** Evaluation image by image ({@link #forwardByImage}), made on first use. */
  private ImageEvaluation imageEvaluation;

  FinalBlock(String name, BlockArgs b, int size, Activation globalAct, Activation seInner, Activation seGate,
             double dropConnect, Random init, double eps, int threads) {
    this.args = b;
    this.size = size;
    this.outSize = Depthwise.outSize(size, b.strideH());
    this.dropConnect = dropConnect;
    this.expanded = b.expandedFilters();
    Activation act = b.activation() != null ? b.activation() : globalAct;
    int in = b.inputFilters();
    if (b.type().fused()) {
      int k = b.kernels().get(0);
      front = new ConvBn(name + ".fused", in, expanded, k, b.strideH(), size, act, true, init, eps, threads);
      offsets = lengths = kernels = new int[0];
      depthwiseGrads = new float[0][];
      dwBn = null;
    } else {
      front = b.totalExpansion() != 1
          ? new ConvBn(name + ".expand", in, expanded, 1, 1, size, act, true, init, eps, threads) : null;
      int nb = b.kernels().size();
      offsets = new int[nb];
      lengths = new int[nb];
      kernels = new int[nb];
      depthwiseGrads = new float[nb][];
      int off = 0;
      for (int i = 0; i < nb; i++) {
        offsets[i] = off;
        lengths[i] = in * b.expansions().get(i);
        kernels[i] = b.kernels().get(i);
        off += lengths[i];
        Param dw = new Param(name + ".dw" + i, kernels[i] * kernels[i] * lengths[i], true);
        Init.normal(dw.value(), Math.sqrt(2.0 / (kernels[i] * kernels[i])), init);
        depthwise.add(dw);
        depthwiseGrads[i] = new float[dw.size()];
      }
      dwBn = new BnLayer(name + ".dw.bn", expanded, act, eps, threads);
    }
    se = b.hasSe() ? new SqueezeExcite(name + ".se", expanded, Complexity.seReducedFilters(b), outSize * outSize,
        seInner, seGate, init) : null;
    // the projection's input gradient is consumed inside this block's backward: one buffer for all blocks
    project = new ConvBn(name + ".project", expanded, b.outputFilters(), 1, 1, outSize, null, true, init, eps, threads)
        .shareInputGradient();
    if (frontNormalisedOnRead()) {
      front.outputNormalisedByConsumer();
    }
  }

  /**
   * Whether training leaves the expansion's BatchNorm output unwritten and the depthwise branches read
   * the expansion's product normalised, image by image, in forward and backward
   * ({@link Depthwise#forward(Parallel, float[], Depthwise.Normalised, float[][], Depthwise.Shape[],
   * float[][], float[], Gemm.Written)}): its activation ReLU or none, and the depthwise gradient image by image.
   */
  boolean frontNormalisedOnRead() {
    return expansionReadNormalised && front != null && depthwiseGradientByImage() && front.bn.sumsFromProducer();
  }

  List<Param> params() {
    List<Param> ps = new ArrayList<>();
    if (front != null) {
      ps.addAll(front.params());
    }
    ps.addAll(depthwise);
    if (dwBn != null) {
      ps.addAll(dwBn.params());
    }
    if (se != null) {
      ps.addAll(se.params());
    }
    ps.addAll(project.params());
    return ps;
  }

  private Depthwise.Shape shape(int n, int branch) {
    return new Depthwise.Shape(n, size, size, expanded, offsets[branch], lengths[branch], kernels[branch], args.strideH());
  }

  /** Every branch's {@link #shape} at batch n. */
  private Depthwise.Shape[] shapes(int n) {
    Depthwise.Shape[] shapes = new Depthwise.Shape[kernels.length];
    for (int b = 0; b < kernels.length; b++) {
      shapes[b] = shape(n, b);
    }
    return shapes;
  }

  /** Every branch's depthwise weights. */
  private float[][] depthwiseWeights() {
    float[][] weights = new float[kernels.length][];
    for (int b = 0; b < kernels.length; b++) {
      weights[b] = depthwise.get(b).value();
    }
    return weights;
  }

  /**
   * Whether training normalises the depthwise output into the projection's tiles instead of writing
   * it ({@link ConvBn#forwardOfNormalised}): no SE between them, a ReLU or no activation.
   */
  private boolean tiledProjection() {
    return !args.type().fused() && se == null && dwBn.foldsIntoEpilogue();
  }

  float[] forward(Parallel par, float[] x, int n, boolean training, double momentum, Random rng, Scratch s) {
    if (!training && byImage) {
      float[] y = forwardByImage(par, x, n);
      if (y != null) {
        return y;
      }
    }
    if (n != batch) {
      batch = n;
      int pOut = n * outSize * outSize;
      d = front != null && args.type().fused() ? null : new float[pOut * expanded];
      a = d == null || tiledProjection() ? null : new float[pOut * expanded];
      keep = new float[n];
    }
    boolean readNormalised = training && frontNormalisedOnRead();
    float[] h = front == null ? x
        : readNormalised ? front.forwardUnnormalised(par, x, n, momentum)
        : front.forward(par, x, n, training, momentum);
    frontOut = h;
    frontRead = readNormalised ? front.bn.normalisedOutput() : null;
    if (!args.type().fused() && training) {
      Depthwise.Shape[] shapes = shapes(n);
      float[][] weights = depthwiseWeights();
      float[][] inputs = readNormalised ? s.tiles("final.x-image", Depthwise.inputImage(shapes)) : null;
      if (tiledProjection()) {
        dwBn.depthwiseForward(par, h, frontRead, inputs, shapes, weights, d, momentum, null);
        float[] y = project.forwardOfNormalised(par, d, dwBn.trainingAffine(), dwBn.relu, n, momentum, s);
        return residual(par, y, x, n, training, rng);
      }
      dwBn.depthwiseForward(par, h, frontRead, inputs, shapes, weights, d, momentum, a);
      h = a;
    } else if (!args.type().fused()) {
      // BN (and ReLU) on each depthwise output row while it is in L1 (no pass of their own)
      float[][] f = dwBn.inferenceEpilogue();
      for (int b = 0; b < kernels.length; b++) {
        Depthwise.forward(par, h, shape(n, b), depthwise.get(b).value(), d, f == null ? null : f[0],
            f == null ? null : f[1], dwBn.relu);
      }
      if (f == null) {
        dwBn.forward(par, d, n * outSize * outSize, false, momentum, a);
      }
      h = f == null ? a : d;
    }
    if (se != null) {
      h = se.forward(par, h, n);
    }
    return residual(par, project.forward(par, h, n, training, momentum), x, n, training, rng);
  }

  /** y·keep + x per image with a residual (keep drawn for drop-connect in training), else y. */
  private float[] residual(Parallel par, float[] y, float[] x, int n, boolean training, Random rng) {
    if (args.residual()) {
      int per = outSize * outSize * args.outputFilters();
      double rate = training ? dropConnect : 0;
      for (int b = 0; b < n; b++) { // drawn in image order, as before the pass went parallel
        keep[b] = rate > 0 ? (rng.nextDouble() < 1 - rate ? (float) (1 / (1 - rate)) : 0f) : 1f;
      }
      Elementwise.keepAndAdd(par, y, keep, x, n, per);
    }
    return y;
  }

  /** Evaluation one image at a time ({@link ImageEvaluation}); null for a block {@link #runsByImage} does not cover. */
  private float[] forwardByImage(Parallel par, float[] x, int n) {
    if (!runsByImage()) {
      return null;
    }
    if (imageEvaluation == null) {
      imageEvaluation = new ImageEvaluation(size, args.inputFilters(), expanded, outSize, args.outputFilters(),
          args.residual(), shapes(1));
    }
    ImageEvaluation.Weights w = new ImageEvaluation.Weights(front == null ? null : front.weight.value(),
        front == null ? null : front.bn.inferenceEpilogue(), front != null && front.bn.relu, depthwiseWeights(),
        dwBn.inferenceEpilogue(), dwBn.relu, project.weight.value(), project.bn.inferenceEpilogue(), project.bn.relu);
    // into the buffer the layer-by-layer forward puts the block's output in
    return imageEvaluation.run(par, x, n, w, project.output(n));
  }

  /**
   * Whether evaluation goes image by image: an MBConv or MixConv block without SE (whose layer runs on
   * the whole batch) and with every BatchNorm folding into its convolution's epilogue.
   */
  boolean runsByImage() {
    return !args.type().fused() && se == null && dwBn.foldsIntoEpilogue()
        && (front == null || front.bn.foldsIntoEpilogue()) && project.bn.foldsIntoEpilogue();
  }

  /** What {@link #forward} allocates at batch {@code n} and backward takes from the scratch. */
  void footprint(int n, TrainingFootprint f, String key) {
    long pIn = (long) n * size * size;
    long pOut = (long) n * outSize * outSize;
    if (front != null) {
      front.footprint(n, f);
    }
    f.own(n + (args.type().fused() ? 0 : (tiledProjection() ? 1 : 2) * pOut * expanded));
    if (se != null) {
      se.footprint(n, f);
    }
    project.footprint(n, f);
    if (args.residual()) {
      f.scratch("final.dp", pOut * args.outputFilters());
      f.scratch(key + ".dx", pIn * args.inputFilters());
    }
    if (!args.type().fused()) {
      if (!depthwiseGradientByImage()) {
        f.scratch("final.dd", pOut * expanded);
      }
      f.scratch(front == null ? key + ".dh" : "final.dh", pIn * expanded);
    }
  }

  /**
   * Whether the backward sums the depthwise BatchNorm's gradient from the projection's input-gradient
   * rows as they are written and then computes its input gradient image by image, as the depthwise
   * backward reads it ({@link BnLayer#inputGradientByImage}): no SE between them, ReLU or no activation.
   */
  private boolean depthwiseGradientByImage() {
    return se == null && !args.type().fused() && dwBn.sumsFromProducer();
  }

  /** Returns ∂L/∂x in a buffer of this block (valid until its next backward); dy is read only. */
  float[] backward(Parallel par, float[] dy, Scratch s, String key) {
    int n = batch;
    float[] dp = dy;
    if (args.residual()) {
      int per = outSize * outSize * args.outputFilters();
      dp = s.take("final.dp", n * per); // read by the projection's backward only: one buffer for all blocks
      Elementwise.keep(par, dy, keep, dp, n, per);
    }
    // the depthwise BatchNorm's gradient sums read each group of the projection's input-gradient rows
    // as it is written, not in a pass of their own (docs/engine-measurements.md, "2026-12-01 (afternoon)")
    boolean sumsWritten = depthwiseGradientByImage();
    Gemm.Written sums = sumsWritten ? dwBn.gradientSums(d, project.inputGradient(s)) : null;
    float[] dh = project.backward(par, dp, s, sums);
    if (se != null) {
      dh = se.backward(par, dh, s);
    }
    float[] dx;
    if (args.type().fused()) {
      dx = front.backward(par, dh, s);
    } else {
      int pIn = n * size * size;
      int pOut = n * outSize * outSize;
      // returned as this block's input gradient without a front conv; else consumed by it: shared
      float[] dIn = s.take(front == null ? key + ".dh" : "final.dh", pIn * expanded);
      // the front's BatchNorm sums each image's rows of dIn as the branches finish them, in cache
      boolean frontSums = front != null && front.sumsFromProducer();
      Gemm.Written frontSum = frontSums ? front.gradientSums(dIn) : null;
      Depthwise.Shape[] shapes = shapes(n);
      float[][][] partials = s.partialSets(Depthwise.backwardScratch(shapes));
      if (sumsWritten) {
        // the depthwise BatchNorm's input gradient image by image, as the branches read it
        Depthwise.ImageGradient dd = dwBn.inputGradientByImage(d, pOut, dh, outSize * outSize);
        // and, when frontRead, the expansion's output normalised image by image as the branches read it
        float[][] inputs = frontRead == null ? null : s.tiles("final.x-image", Depthwise.inputImage(shapes));
        Depthwise.backward(par, frontOut, frontRead, inputs, shapes, depthwiseWeights(), dd,
            s.tiles("final.dd-image", Depthwise.outputImage(shapes)), dIn, depthwiseGrads, partials, frontSum);
      } else {
        float[] dd = s.take("final.dd", pOut * expanded); // used inside this backward only
        dwBn.backward(par, d, pOut, dh, dd);
        Depthwise.backward(par, frontOut, shapes, depthwiseWeights(), dd, dIn, depthwiseGrads, partials, frontSum);
      }
      for (int b = 0; b < kernels.length; b++) {
        SuperBlock.addInto(depthwise.get(b).grad(), depthwiseGrads[b]);
      }
      dx = front == null ? dIn : frontSums ? front.backwardFromSums(par, dIn, s) : front.backward(par, dIn, s);
    }
    if (args.residual()) {
      float[] out = s.take(key + ".dx", dy.length);
      Elementwise.add(par, dx, dy, out, n * size * size * args.inputFilters());
      return out;
    }
    return dx;
  }
}
