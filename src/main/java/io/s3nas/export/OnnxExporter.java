package io.s3nas.export;

import io.s3nas.data.Normalization;
import io.s3nas.nn.infer.Weights;
import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.Complexity;
import io.s3nas.space.LayerSpec;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.NetworkLayout;
import io.s3nas.space.PlacedBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes ONNX (opset 14, NCHW float, batch dimension {@code N}) for a network, a block or a layer,
 * with the same structure and the same (BN-folded) {@link Weights} as the ND4J inference network:
 * Conv with TensorFlow 'SAME' padding written out as explicit pads, MixConv as Split → grouped
 * Convs → Concat, SE as GlobalAveragePool → 1x1 Convs with bias → Mul, activations as Relu, Clip,
 * Sigmoid, x·Sigmoid(x), HardSwish and HardSigmoid(1/6, 1/2). The input is the normalised image;
 * the normalisation travels in the model's metadata.
 */
public final class OnnxExporter {
  public static final String INPUT = "input";
  public static final String OUTPUT = "logits";

  private final OnnxGraph g;
  private final Weights w;

  private OnnxExporter(String name, Weights w) {
    this.g = new OnnxGraph(name);
    this.w = w;
  }

  /** The whole network: stem, blocks, head, classifier; output {@code logits [N, classes]}. */
  public static byte[] network(Architecture arch, Weights w, Normalization norm, String doc) {
    ModelSpec spec = arch.spec();
    OnnxExporter e = new OnnxExporter("s3nas", w);
    e.g.input(INPUT, -1, spec.imgChannels(), spec.imgSize(), spec.imgSize());
    Activation act = spec.activationOrDefault();
    NetworkLayout layout = arch.layout();
    String x = e.conv(INPUT, "stem", spec.firstConv(), spec.imgChannels(), spec.imgSize(), act);
    List<PlacedBlock> blocks = layout.blocks();
    for (int i = 0; i < blocks.size(); i++) {
      PlacedBlock p = blocks.get(i);
      x = e.block(x, "block" + i, p.args(), p.inputSize(), act, spec.seInnerOrDefault(), spec.seGatingOrDefault());
    }
    x = e.head(x, spec, layout.headInputChannels(), layout.headInputSize(), act);
    e.rename(x, OUTPUT);
    e.g.output(OUTPUT, -1, spec.numClasses());
    List<String[]> meta = new ArrayList<>();
    if (norm != null) {
      meta.add(new String[] {"s3nas.normalization.mean", Arrays.toString(norm.mean())});
      meta.add(new String[] {"s3nas.normalization.std", Arrays.toString(norm.std())});
    }
    return e.g.model(doc, meta);
  }

  /** One repeat-1 final block at input size {@code size} (latency profiling). */
  public static byte[] block(BlockArgs b, int size, Activation act, Activation seInner, Activation seGate, Weights w) {
    OnnxExporter e = new OnnxExporter("block", w);
    e.g.input(INPUT, -1, b.inputFilters(), size, size);
    String y = e.block(INPUT, "block", b, size, act, seInner, seGate);
    e.rename(y, OUTPUT);
    int out = NetworkLayout.outSize(size, b.strideH());
    e.g.output(OUTPUT, -1, b.outputFilters(), out, out);
    return e.g.model("block " + b, List.of());
  }

  /** A stem or head convolution with its activation. */
  public static byte[] conv(LayerSpec l, int cin, int size, Activation act, Weights w) {
    OnnxExporter e = new OnnxExporter("conv", w);
    e.g.input(INPUT, -1, cin, size, size);
    e.rename(e.conv(INPUT, "conv", l, cin, size, act), OUTPUT);
    int out = NetworkLayout.outSize(size, l.stride());
    e.g.output(OUTPUT, -1, l.outputFilters(), out, out);
    return e.g.model("conv " + l, List.of());
  }

  /** Global average pooling followed by the classifier. */
  public static byte[] poolAndClassifier(int channels, int size, int classes, Weights w) {
    OnnxExporter e = new OnnxExporter("classifier", w);
    e.g.input(INPUT, -1, channels, size, size);
    String p = e.g.node("GlobalAveragePool", List.of(INPUT));
    e.rename(e.classifier(p, "fc", channels, classes), OUTPUT);
    e.g.output(OUTPUT, -1, classes);
    return e.g.model("pool and classifier", List.of());
  }

  private void rename(String value, String name) {
    g.nodeWithOutputs("Identity", List.of(value), List.of(name));
  }

  private String conv(String x, String name, LayerSpec l, int cin, int size, Activation act) {
    INDArray[] p = w.conv(name, l.kernelSize(), cin, l.outputFilters());
    return act(convNode(x, name, p, l.kernelSize(), l.stride(), size, cin, l.outputFilters(), 1), act);
  }

  /** A Conv node from YXIO weights (or depthwise [k, k, C, 1] when {@code group} > 1) and a bias. */
  private String convNode(String x, String name, INDArray[] p, int k, int stride, int size, int cin, int cout, int group) {
    float[] yxio = p[0].dup('c').data().asFloat();
    int inPerGroup = cin / group;
    float[] oihw = new float[yxio.length];
    for (int o = 0; o < cout; o++) {
      for (int i = 0; i < inPerGroup; i++) {
        for (int ky = 0; ky < k; ky++) {
          for (int kx = 0; kx < k; kx++) {
            int src = group == 1 ? ((ky * k + kx) * cin + i) * cout + o : (ky * k + kx) * cout + o;
            oihw[((o * inPerGroup + i) * k + ky) * k + kx] = yxio[src];
          }
        }
      }
    }
    String wt = g.initializer(name + "_w", oihw, cout, inPerGroup, k, k);
    String b = g.initializer(name + "_b", p[1].dup('c').data().asFloat(), cout);
    int out = NetworkLayout.outSize(size, stride);
    int total = Math.max((out - 1) * stride + k - size, 0);
    int before = total / 2;
    int after = total - before;
    return g.node("Conv", List.of(x, wt, b), OnnxGraph.ints("kernel_shape", k, k), OnnxGraph.ints("strides", stride, stride),
        OnnxGraph.ints("pads", before, before, after, after), OnnxGraph.intAttr("group", group));
  }

  private String block(String x, String name, BlockArgs b, int size, Activation globalAct, Activation seInner,
                       Activation seGate) {
    Activation act = b.activation() != null ? b.activation() : globalAct;
    int in = b.inputFilters();
    int e = b.expandedFilters();
    int stride = b.strideH();
    String h = x;
    if (b.type().fused()) {
      int k = b.kernels().get(0);
      h = act(convNode(x, name + ".fused", w.conv(name + ".fused", k, in, e), k, stride, size, in, e, 1), act);
    } else {
      if (b.totalExpansion() != 1) {
        h = act(convNode(x, name + ".expand", w.conv(name + ".expand", 1, in, e), 1, 1, size, in, e, 1), act);
      }
      int groups = b.kernels().size();
      List<String> parts = new ArrayList<>();
      if (groups == 1) {
        parts.add(h);
      } else {
        long[] sizes = new long[groups];
        for (int i = 0; i < groups; i++) {
          sizes[i] = (long) in * b.expansions().get(i);
          parts.add(g.fresh(name + "_split"));
        }
        g.nodeWithOutputs("Split", List.of(h, g.int64Initializer(name + "_sizes", sizes)), parts,
            OnnxGraph.intAttr("axis", 1));
      }
      List<String> outs = new ArrayList<>();
      int offset = 0;
      for (int i = 0; i < groups; i++) {
        int k = b.kernels().get(i);
        int ch = in * b.expansions().get(i);
        INDArray[] p = w.depthwise(name, i, k, offset, ch);
        outs.add(convNode(parts.get(i), name + ".dw" + i, p, k, stride, size, ch, ch, ch));
        offset += ch;
      }
      h = groups == 1 ? outs.get(0) : g.node("Concat", outs, OnnxGraph.intAttr("axis", 1));
      h = act(h, act);
    }
    if (b.hasSe()) {
      int r = Complexity.seReducedFilters(b);
      String pooled = g.node("GlobalAveragePool", List.of(h));
      String s = act(dense1x1(pooled, name + ".se.reduce", e, r), seInner);
      String gate = act(dense1x1(s, name + ".se.expand", r, e), seGate);
      h = g.node("Mul", List.of(h, gate));
    }
    int outSize = NetworkLayout.outSize(size, stride);
    String y = convNode(h, name + ".project", w.conv(name + ".project", 1, e, b.outputFilters()), 1, 1, outSize, e,
        b.outputFilters(), 1);
    return b.residual() ? g.node("Add", List.of(y, x)) : y;
  }

  /** A dense layer on a pooled [N, C, 1, 1] value, as a 1x1 Conv with bias. */
  private String dense1x1(String x, String name, int in, int out) {
    INDArray[] p = w.dense(name, in, out);
    return convNode(x, name, new INDArray[] {p[0].reshape(1, 1, in, out), p[1]}, 1, 1, 1, in, out, 1);
  }

  private String head(String x, ModelSpec spec, int channels, int size, Activation act) {
    LayerSpec mix = spec.featureMixLayer();
    LayerSpec fe = spec.finalExpandLayer();
    String pooled;
    int width;
    if (fe != null) {
      String h = conv(x, "head.expand", fe, channels, size, act);
      pooled = act(dense1x1(g.node("GlobalAveragePool", List.of(h)), "head.mix", fe.outputFilters(),
          mix.outputFilters()), act);
    } else {
      String h = conv(x, "head", mix, channels, size, act);
      pooled = g.node("GlobalAveragePool", List.of(h));
    }
    width = mix.outputFilters();
    return classifier(pooled, "head.fc", width, spec.numClasses());
  }

  private String classifier(String pooled, String name, int in, int classes) {
    INDArray[] p = w.dense(name, in, classes);
    String flat = g.node("Flatten", List.of(pooled), OnnxGraph.intAttr("axis", 1));
    return g.node("Gemm", List.of(flat, g.initializer(name + "_w", p[0].dup('c').data().asFloat(), in, classes),
        g.initializer(name + "_b", p[1].dup('c').data().asFloat(), classes)));
  }

  private String act(String x, Activation a) {
    if (a == null) {
      return x;
    }
    return switch (a) {
      case RELU -> g.node("Relu", List.of(x));
      case RELU6 -> g.node("Clip", List.of(x, g.initializer("zero", new float[] {0f}), g.initializer("six", new float[] {6f})));
      case SIGMOID -> g.node("Sigmoid", List.of(x));
      case SWISH -> g.node("Mul", List.of(x, g.node("Sigmoid", List.of(x))));
      case HSWISH -> g.node("HardSwish", List.of(x));
      case HSIGMOID -> g.node("HardSigmoid", List.of(x), OnnxGraph.floatAttr("alpha", 1f / 6f), OnnxGraph.floatAttr("beta", 0.5f));
    };
  }
}
