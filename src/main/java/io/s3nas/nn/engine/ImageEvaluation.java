package io.s3nas.nn.engine;

/**
 * Evaluation of an MBConv or MixConv block one image at a time, each image on one thread: the image's
 * rows are copied into a small buffer, then expanded, convolved by every branch and projected there,
 * each BatchNorm (and ReLU) folded into its layer's epilogue, all while the image's tensors sit in the
 * core's L2; only the block's output (with the residual) goes to the batch's tensor. Layer by layer,
 * each expanded tensor (13 MB at batch 128 in a derived network, 38 MB in the Fashion supernet's first
 * blocks) went out to memory and came back for the next layer (docs/engine-measurements.md,
 * "evaluation image by image" and "2026-12-02 (midday)"). The same kernels on the same rows: the same
 * floats, bit for bit. Used by a derived network's blocks ({@code FinalBlock}) and the supernet's
 * ({@code SuperBlock}).
 */
final class ImageEvaluation {
  /**
   * What a batch is evaluated with: the expansion's weights (null without one) and the depthwise
   * branches' and projection's, each layer's folded BatchNorm (scale, shift) and whether ReLU follows.
   */
  record Weights(float[] expand, float[][] expandBn, boolean expandRelu, float[][] depthwise, float[][] depthwiseBn,
                 boolean depthwiseRelu, float[] project, float[][] projectBn, boolean projectRelu) {}

  private final int size;
  private final int in;
  private final int expanded;
  private final int outSize;
  private final int out;
  private final boolean residual;
  /** Each branch's view of one image. */
  private final Depthwise.Shape[] shapes;
  /** Per thread, its buffers, made on first use. */
  private Buffers[] buffers;

  /** A block of {@code size}² × in pixels in, expanded to {@code expanded} channels, outSize² × out out. */
  ImageEvaluation(int size, int in, int expanded, int outSize, int out, boolean residual, Depthwise.Shape[] shapes) {
    this.size = size;
    this.in = in;
    this.expanded = expanded;
    this.outSize = outSize;
    this.out = out;
    this.residual = residual;
    this.shapes = shapes;
  }

  /** y (n images of the block's output) from x (n of its input). */
  float[] run(Parallel par, float[] x, int n, Weights w, float[] y) {
    int pIn = size * size;
    int pOut = outSize * outSize;
    if (buffers == null || buffers.length != par.threads()) {
      buffers = new Buffers[par.threads()];
    }
    // pieces of one image, each a whole block's work on it: the threads finish within an image of each other
    par.forItems(n, (t, from, to) -> {
      if (buffers[t] == null) {
        buffers[t] = new Buffers(w.expand() != null);
      }
      Buffers s = buffers[t];
      for (int b = from; b < to; b++) {
        System.arraycopy(x, b * pIn * in, s.in, 0, pIn * in);
        float[] h = s.in;
        if (w.expand() != null) {
          Gemm.forwardRows(s.in, 0, pIn, in, w.expand(), expanded, s.expanded, w.expandBn()[0], w.expandBn()[1],
              w.expandRelu());
          h = s.expanded;
        }
        for (int g = 0; g < shapes.length; g++) {
          s.depthwise[g].newImage();
          Depthwise.forwardRows(h, shapes[g], w.depthwise()[g], s.convolved, w.depthwiseBn()[0], w.depthwiseBn()[1],
              w.depthwiseRelu(), 0, outSize, s.depthwise[g]);
        }
        Gemm.forwardRows(s.convolved, 0, pOut, expanded, w.project(), out, s.projected, w.projectBn()[0],
            w.projectBn()[1], w.projectRelu());
        int o = b * pOut * out;
        if (residual) { // training's y·keep + x with keep 1, the supernet's y += x: the same floats
          for (int i = 0; i < pOut * out; i++) {
            y[o + i] = s.projected[i] + x[o + i];
          }
        } else {
          System.arraycopy(s.projected, 0, y, o, pOut * out);
        }
      }
    });
    return y;
  }

  /** One thread's buffers for one image. */
  private final class Buffers {
    final float[] in = new float[size * size * ImageEvaluation.this.in];
    final float[] expanded;
    final float[] convolved = new float[outSize * outSize * ImageEvaluation.this.expanded];
    final float[] projected = new float[outSize * outSize * out];
    final Depthwise.RowScratch[] depthwise = new Depthwise.RowScratch[shapes.length];

    Buffers(boolean expands) {
      expanded = expands ? new float[size * size * ImageEvaluation.this.expanded] : null;
      for (int g = 0; g < shapes.length; g++) {
        depthwise[g] = new Depthwise.RowScratch(shapes[g]);
      }
    }
  }
}
