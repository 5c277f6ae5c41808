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
  private float[] frontOut;
  private float[] d;
  private float[] a;
  private float[] keep;
  private int batch;

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
      dwBn = null;
    } else {
      front = b.totalExpansion() != 1
          ? new ConvBn(name + ".expand", in, expanded, 1, 1, size, act, true, init, eps, threads) : null;
      int nb = b.kernels().size();
      offsets = new int[nb];
      lengths = new int[nb];
      kernels = new int[nb];
      int off = 0;
      for (int i = 0; i < nb; i++) {
        offsets[i] = off;
        lengths[i] = in * b.expansions().get(i);
        kernels[i] = b.kernels().get(i);
        off += lengths[i];
        Param dw = new Param(name + ".dw" + i, kernels[i] * kernels[i] * lengths[i], true);
        Init.normal(dw.value(), Math.sqrt(2.0 / (kernels[i] * kernels[i])), init);
        depthwise.add(dw);
      }
      dwBn = new BnLayer(name + ".dw.bn", expanded, act, eps, threads);
    }
    se = b.hasSe() ? new SqueezeExcite(name + ".se", expanded, Complexity.seReducedFilters(b), outSize * outSize,
        seInner, seGate, init) : null;
    // the projection's input gradient is consumed inside this block's backward: one buffer for all blocks
    project = new ConvBn(name + ".project", expanded, b.outputFilters(), 1, 1, outSize, null, true, init, eps, threads)
        .shareInputGradient();
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

  float[] forward(Parallel par, float[] x, int n, boolean training, double momentum, Random rng) {
    if (n != batch) {
      batch = n;
      int pOut = n * outSize * outSize;
      d = front != null && args.type().fused() ? null : new float[pOut * expanded];
      a = d == null ? null : new float[pOut * expanded];
      keep = new float[n];
    }
    float[] h = front == null ? x : front.forward(par, x, n, training, momentum);
    frontOut = h;
    if (!args.type().fused()) {
      // evaluation: BN (and ReLU) on each depthwise output row while it is in L1 (no pass of their own)
      float[][] f = training ? null : dwBn.inferenceEpilogue();
      for (int b = 0; b < kernels.length; b++) {
        Depthwise.forward(par, h, shape(n, b), depthwise.get(b).value(), d, f == null ? null : f[0],
            f == null ? null : f[1], dwBn.relu);
      }
      if (f == null) {
        dwBn.forward(par, d, n * outSize * outSize, training, momentum, a);
      }
      h = f == null ? a : d;
    }
    if (se != null) {
      h = se.forward(par, h, n);
    }
    float[] y = project.forward(par, h, n, training, momentum);
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

  /** What {@link #forward} allocates at batch {@code n} and backward takes from the scratch. */
  void footprint(int n, TrainingFootprint f, String key) {
    long pIn = (long) n * size * size;
    long pOut = (long) n * outSize * outSize;
    if (front != null) {
      front.footprint(n, f);
    }
    f.own(n + (args.type().fused() ? 0 : 2 * pOut * expanded));
    if (se != null) {
      se.footprint(n, f);
    }
    project.footprint(n, f);
    if (args.residual()) {
      f.scratch("final.dp", pOut * args.outputFilters());
      f.scratch(key + ".dx", pIn * args.inputFilters());
    }
    if (!args.type().fused()) {
      f.scratch("final.dd", pOut * expanded);
      f.scratch(front == null ? key + ".dh" : "final.dh", pIn * expanded);
    }
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
    float[] dh = project.backward(par, dp, s);
    if (se != null) {
      dh = se.backward(par, dh, s);
    }
    float[] dx;
    if (args.type().fused()) {
      dx = front.backward(par, dh, s);
    } else {
      int pIn = n * size * size;
      int pOut = n * outSize * outSize;
      float[] dd = s.take("final.dd", pOut * expanded); // used inside this backward only
      dwBn.backward(par, d, pOut, dh, dd);
      // returned as this block's input gradient without a front conv; else consumed by it: shared
      float[] dIn = s.take(front == null ? key + ".dh" : "final.dh", pIn * expanded);
      Elementwise.zero(par, dIn, pIn * expanded);
      for (int b = 0; b < kernels.length; b++) {
        Param w = depthwise.get(b);
        float[] g = s.grad(w);
        Depthwise.Shape shape = shape(n, b);
        Depthwise.backward(par, frontOut, shape, w.value(), dd, dIn, g, s.partials(Depthwise.backwardScratch(shape)));
        SuperBlock.addInto(w.grad(), g);
      }
      dx = front == null ? dIn : front.backward(par, dIn, s);
    }
    if (args.residual()) {
      float[] out = s.take(key + ".dx", dy.length);
      Elementwise.add(par, dx, dy, out, n * size * size * args.inputFilters());
      return out;
    }
    return dx;
  }
}
