package io.s3nas.space;

/**
 * Parameter and MAC counts, layer by layer, following the reference's bookkeeping (docs/method.md §12):
 * convs count k·k·in·out weights and H_out·W_out·k·k·in·out MACs, depthwise convs k·k·C, BN two
 * parameters per channel and no MACs, SE convs carry biases and run at 1x1. Parameters include BN
 * and biases (what a framework reports as trainable).
 */
public final class Complexity {
  private Complexity() {}

  public static Cost conv(int inSize, int stride, int k, int cin, int cout, boolean bn, boolean bias) {
    int out = NetworkLayout.outSize(inSize, stride);
    long params = (long) k * k * cin * cout + (bn ? 2L * cout : 0) + (bias ? cout : 0);
    long macs = (long) out * out * k * k * cin * cout;
    return new Cost(params, macs);
  }

  /** A repeat-1 final block at input spatial size {@code inSize}. */
  public static Cost block(BlockArgs b, int inSize) {
    if (b.totalExpansion() == 0) {
      return Cost.ZERO; // a skipped block is the identity
    }
    int in = b.inputFilters();
    int expanded = b.expandedFilters();
    int outSize = NetworkLayout.outSize(inSize, b.strideH());
    Cost c = Cost.ZERO;
    if (b.type().fused()) {
      c = c.plus(conv(inSize, b.strideH(), b.kernels().get(0), in, expanded, true, false));
    } else {
      if (b.totalExpansion() != 1) {
        c = c.plus(conv(inSize, 1, 1, in, expanded, true, false));
      }
      long dwParams = 0;
      long dwMacs = 0;
      for (int i = 0; i < b.kernels().size(); i++) {
        int k = b.kernels().get(i);
        long ch = (long) in * b.expansions().get(i);
        dwParams += k * k * ch;
        dwMacs += (long) outSize * outSize * k * k * ch;
      }
      c = c.plus(new Cost(dwParams + 2L * expanded, dwMacs));
    }
    if (b.hasSe()) {
      int reduced = seReducedFilters(b);
      c = c.plus(conv(1, 1, 1, expanded, reduced, false, true)).plus(conv(1, 1, 1, reduced, expanded, false, true));
    }
    return c.plus(conv(outSize, 1, 1, expanded, b.outputFilters(), true, false));
  }

  /** EfficientNet convention: SE squeezes to a fraction of the block's input channels. */
  public static int seReducedFilters(BlockArgs b) {
    return Math.max(1, (int) (b.inputFilters() * b.seRatio()));
  }

  public static Cost stem(ModelSpec spec) {
    LayerSpec f = spec.firstConv();
    return conv(spec.imgSize(), f.stride(), f.kernelSize(), spec.imgChannels(), f.outputFilters(), true, false);
  }

  /** Head convs, pooling and the classifier (Dense with bias). */
  public static Cost head(NetworkLayout layout) {
    ModelSpec spec = layout.spec();
    int size = layout.headInputSize();
    int ch = layout.headInputChannels();
    Cost c = Cost.ZERO;
    if (spec.finalExpandLayer() != null) {
      LayerSpec fe = spec.finalExpandLayer();
      c = c.plus(conv(size, fe.stride(), fe.kernelSize(), ch, fe.outputFilters(), true, false));
      ch = fe.outputFilters();
      LayerSpec mix = spec.featureMixLayer();
      c = c.plus(conv(1, 1, mix.kernelSize(), ch, mix.outputFilters(), false, false));
      ch = mix.outputFilters();
    } else {
      LayerSpec mix = spec.featureMixLayer();
      c = c.plus(conv(size, mix.stride(), mix.kernelSize(), ch, mix.outputFilters(), true, false));
      ch = mix.outputFilters();
    }
    return c.plus(new Cost((long) ch * spec.numClasses() + spec.numClasses(), (long) ch * spec.numClasses()));
  }

  public static Cost total(ModelSpec spec) {
    NetworkLayout layout = NetworkLayout.of(spec);
    Cost c = stem(spec);
    for (PlacedBlock p : layout.blocks()) {
      c = c.plus(block(p.args(), p.inputSize()));
    }
    return c.plus(head(layout));
  }
}
