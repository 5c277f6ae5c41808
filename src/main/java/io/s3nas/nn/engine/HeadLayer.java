package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import io.s3nas.space.LayerSpec;
import io.s3nas.space.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The head (docs/method.md §1.1, §12): a 1x1 conv with BN and activation (the feature mix, or with a
 * {@code final_expand_layer} that layer), global average pool, then — MobileNetV3-style, only with
 * a final expand — the feature mix as a 1x1 conv on the pooled vector (no BN, no bias) and its
 * activation, then dropout and the fully connected classifier with bias.
 */
final class HeadLayer {
  final ConvBn conv;
  final Param mixW;
  final Activation act;
  final int pooledWidth;
  final int features;
  final int classes;
  final int size;
  final double dropout;
  final Param fcW;
  final Param fcB;
  private float[] pooled;
  private float[] mixed;
  private float[] feat;
  private float[] dropMask;
  private float[] logits;
  private float[] dFeat;
  private int batch;

  private HeadLayer(ConvBn conv, Param mixW, Activation act, int features, int classes, double dropout, Random init) {
    this.conv = conv;
    this.mixW = mixW;
    this.act = act;
    this.pooledWidth = conv.cout;
    this.features = features;
    this.size = conv.outSize;
    this.classes = classes;
    this.dropout = dropout;
    this.fcW = new Param("head.fc", features * classes, true);
    Init.uniform(fcW.value(), 1.0 / Math.sqrt(classes), init);
    this.fcB = new Param("head.fc.bias", classes, true);
  }

  static HeadLayer of(ModelSpec m, int channels, int size, Activation act, double dropout, Random init, double eps,
                      int threads) {
    LayerSpec mix = m.featureMixLayer();
    LayerSpec fe = m.finalExpandLayer();
    if (fe == null) {
      ConvBn conv = new ConvBn("head", channels, mix.outputFilters(), mix.kernelSize(), 1, size, act, true, init, eps,
          threads);
      return new HeadLayer(conv, null, act, mix.outputFilters(), m.numClasses(), dropout, init);
    }
    ConvBn conv = new ConvBn("head.expand", channels, fe.outputFilters(), fe.kernelSize(), 1, size, act, true, init,
        eps, threads);
    Param w = new Param("head.mix", fe.outputFilters() * mix.outputFilters(), true);
    Init.normal(w.value(), Math.sqrt(2.0 / mix.outputFilters()), init);
    return new HeadLayer(conv, w, act, mix.outputFilters(), m.numClasses(), dropout, init);
  }

  List<Param> params() {
    List<Param> ps = new ArrayList<>(conv.params());
    if (mixW != null) {
      ps.add(mixW);
    }
    ps.add(fcW);
    ps.add(fcB);
    return ps;
  }

  float[] forward(Parallel par, float[] input, int n, boolean training, double momentum, Random drop) {
    if (n != batch) {
      batch = n;
      pooled = new float[n * pooledWidth];
      mixed = mixW == null ? null : new float[n * features];
      feat = new float[n * features];
      dropMask = new float[n * features];
      logits = new float[n * classes];
      dFeat = new float[n * features];
    }
    float[] a = conv.forward(par, input, n, training, momentum);
    int hw = size * size;
    java.util.Arrays.fill(pooled, 0f);
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < hw; i++) {
        int o = (b * hw + i) * pooledWidth;
        for (int c = 0; c < pooledWidth; c++) {
          pooled[b * pooledWidth + c] += a[o + c];
        }
      }
    }
    for (int i = 0; i < pooled.length; i++) {
      pooled[i] /= hw;
    }
    if (mixW == null) {
      System.arraycopy(pooled, 0, feat, 0, feat.length);
    } else {
      Gemm.forward(par, pooled, n, pooledWidth, mixW.value(), features, mixed);
      for (int i = 0; i < feat.length; i++) {
        feat[i] = Act.apply(act, mixed[i]);
      }
    }
    float keep = (float) (1 - dropout);
    for (int i = 0; i < feat.length; i++) {
      dropMask[i] = training && dropout > 0 ? (drop.nextDouble() < keep ? 1f / keep : 0f) : 1f;
      feat[i] *= dropMask[i];
    }
    Gemm.forward(par, feat, n, features, fcW.value(), classes, logits);
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < classes; c++) {
        logits[b * classes + c] += fcB.value()[c];
      }
    }
    return logits;
  }

  /** What {@link #forward} allocates at batch {@code n} and backward takes from the scratch. */
  void footprint(int n, TrainingFootprint f) {
    conv.footprint(n, f);
    f.own((long) n * pooledWidth + (mixW == null ? 0 : (long) n * features) + 3L * n * features + (long) n * classes);
    if (mixW != null) {
      f.scratch("head.dpooled", (long) n * pooledWidth);
    }
    f.scratch("head.da", (long) n * size * size * pooledWidth);
  }

  /** Returns ∂L/∂input (the head conv's buffer) from ∂L/∂logits. */
  float[] backward(Parallel par, float[] dLogits, Scratch s) {
    int n = batch;
    int hw = size * size;
    float[] gfc = s.grad(fcW);
    Gemm.backwardWeight(par, feat, n, features, dLogits, classes, gfc, s.partials(features * classes));
    SuperBlock.addInto(fcW.grad(), gfc);
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < classes; c++) {
        fcB.grad()[c] += dLogits[b * classes + c];
      }
    }
    Gemm.backwardInput(par, dLogits, n, classes, Gemm.transpose(fcW.value(), features, classes), features, dFeat);
    for (int i = 0; i < dFeat.length; i++) {
      dFeat[i] *= dropMask[i];
    }
    float[] dPooled = dFeat;
    if (mixW != null) {
      for (int i = 0; i < dFeat.length; i++) {
        dFeat[i] *= Act.derivative(act, mixed[i]);
      }
      float[] g = s.grad(mixW);
      Gemm.backwardWeight(par, pooled, n, pooledWidth, dFeat, features, g, s.partials(pooledWidth * features));
      SuperBlock.addInto(mixW.grad(), g);
      dPooled = s.take("head.dpooled", n * pooledWidth);
      Gemm.backwardInput(par, dFeat, n, features, Gemm.transpose(mixW.value(), pooledWidth, features), pooledWidth,
          dPooled);
    }
    float[] da = s.take("head.da", n * hw * pooledWidth);
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < pooledWidth; c++) {
        dPooled[b * pooledWidth + c] /= hw;
      }
      for (int i = 0; i < hw; i++) {
        System.arraycopy(dPooled, b * pooledWidth, da, (b * hw + i) * pooledWidth, pooledWidth);
      }
    }
    return conv.backward(par, da, s);
  }
}
