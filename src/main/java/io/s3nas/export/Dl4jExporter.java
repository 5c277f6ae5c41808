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
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A trained network as a DL4J {@link ComputationGraph}, so a JVM team can run and fine-tune the
 * found network where it already works (docs/design.md, "Files and settings"). The graph has the
 * same structure and the same BN-folded {@link Weights} as the ONNX export and the ND4J inference
 * network, built from stock DL4J layers only, so the file loads with DL4J alone:
 *
 * <ul>
 *   <li>the input is the image as s3nas reads it (NCHW, pixels in [0, 1]); a first 1×1 depthwise
 *       layer applies the training normalisation (per channel: {@code (x − mean) / std}), so no
 *       separate normaliser travels with the file;</li>
 *   <li>convolutions use {@link ConvolutionMode#Same}, which pads as TensorFlow's 'SAME' does (the
 *       engine's padding); MixConv is {@link SubsetVertex} per kernel group → depthwise layers →
 *       {@link MergeVertex};</li>
 *   <li>h-swish is {@code x · relu6(x + 3) / 6} and h-sigmoid {@code relu6(x + 3) / 6}, from
 *       {@link ShiftVertex}, a ReLU6 layer, {@link ScaleVertex} and a product (DL4J has neither);</li>
 *   <li>squeeze-and-excitation pools to 1×1, applies its two 1×1 convolutions, and scales the block
 *       by the gate broadcast back with {@link Upsampling2D} (DL4J's products do not broadcast);</li>
 *   <li>the output layer is softmax with cross-entropy: class probabilities, ready to fine-tune.</li>
 * </ul>
 */
public final class Dl4jExporter {
  public static final String INPUT = "input";
  public static final String OUTPUT = "probabilities";

  private final ComputationGraphConfiguration.GraphBuilder g;
  private final Weights w;
  /** Each layer's parameters, set once the graph is initialised (DL4J layouts: conv OIHW, bias [1, n]). */
  private final Map<String, INDArray[]> params = new LinkedHashMap<>();
  private int fresh;

  private Dl4jExporter(ComputationGraphConfiguration.GraphBuilder g, Weights w) {
    this.g = g;
    this.w = w;
  }

  /** The whole network with its weights; input {@code [N, C, H, W]} in [0, 1], output probabilities. */
  public static ComputationGraph network(Architecture arch, Weights w, Normalization norm) {
    ModelSpec spec = arch.spec();
    ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
        .weightInit(WeightInit.XAVIER).graphBuilder().addInputs(INPUT);
    // no input types: DL4J 1.0.0-M2.1 infers a SubsetVertex's CNN channels as from − to + 1 (negative)
    // and then refuses the graph; every layer's nIn is given, so nothing needs inferring
    // (docs/platform-notes.md §5)
    Dl4jExporter e = new Dl4jExporter(gb, w);
    Activation act = spec.activationOrDefault();
    String x = e.normalise(INPUT, spec.imgChannels(), norm);
    x = e.conv(x, "stem", spec.firstConv(), spec.imgChannels(), act);
    NetworkLayout layout = arch.layout();
    List<PlacedBlock> blocks = layout.blocks();
    for (int i = 0; i < blocks.size(); i++) {
      PlacedBlock p = blocks.get(i);
      x = e.block(x, "block" + i, p.args(), p.inputSize(), act, spec.seInnerOrDefault(), spec.seGatingOrDefault());
    }
    e.head(x, spec, layout.headInputChannels(), act);
    ComputationGraph net = new ComputationGraph(gb.setOutputs(OUTPUT).build());
    net.init();
    e.params.forEach((layer, p) -> {
      net.getLayer(layer).setParam("W", p[0]);
      net.getLayer(layer).setParam("b", p[1]);
    });
    return net;
  }

  /** Writes the graph in DL4J's model format (no updater state: a fine-tune starts its own). */
  public static void write(ComputationGraph net, File file) throws IOException {
    ModelSerializer.writeModel(net, file, false);
  }

  /**
   * Max |DL4J − softmax(ND4J logits)| over a seeded random batch: the ND4J network's normalised
   * input, mapped back to pixels for the DL4J graph (which normalises itself).
   */
  public static double maxAbsDifference(ComputationGraph net, io.s3nas.nn.infer.InferenceNet nd4j,
                                        Normalization norm, int batch, long seed) {
    INDArray x = nd4j.randomInput(batch, seed);
    INDArray logits = nd4j.output(x);
    INDArray expected = org.nd4j.linalg.ops.transforms.Transforms.softmax(logits.castTo(DataType.DOUBLE), true);
    INDArray pixels = x.castTo(DataType.FLOAT).dup('c');
    long channels = pixels.size(1);
    for (int c = 0; c < channels; c++) {
      double mean = norm == null ? 0 : norm.mean()[norm.mean().length == 1 ? 0 : c];
      double std = norm == null ? 1 : norm.std()[norm.std().length == 1 ? 0 : c];
      INDArray ch = pixels.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex
          .point(c), org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all());
      ch.muli(std).addi(mean);
    }
    INDArray got = net.outputSingle(pixels).castTo(DataType.DOUBLE);
    if (!java.util.Arrays.equals(got.shape(), expected.shape())) {
      throw new IllegalStateException("DL4J output " + java.util.Arrays.toString(got.shape()) + ", ND4J "
          + java.util.Arrays.toString(expected.shape()));
    }
    return got.sub(expected).amaxNumber().doubleValue();
  }

  private String name(String base) {
    return base + "#" + fresh++;
  }

  private static INDArray bias(INDArray b) {
    return b.dup('c').reshape(1, b.length()).castTo(DataType.FLOAT);
  }

  /** {@code (x − mean) / std} per channel, as a 1×1 depthwise layer. */
  private String normalise(String x, int channels, Normalization norm) {
    float[] scale = new float[channels];
    float[] shift = new float[channels];
    for (int c = 0; c < channels; c++) {
      double mean = norm == null ? 0 : norm.mean()[norm.mean().length == 1 ? 0 : c];
      double std = norm == null ? 1 : norm.std()[norm.std().length == 1 ? 0 : c];
      scale[c] = (float) (1 / std);
      shift[c] = (float) (-mean / std);
    }
    String n = "normalise";
    g.addLayer(n, new DepthwiseConvolution2D.Builder(1, 1).nIn(channels).nOut(channels).depthMultiplier(1)
        .convolutionMode(ConvolutionMode.Same).activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), x);
    params.put(n, new INDArray[] {Nd4j.create(scale, new long[] {1, 1, channels, 1}, 'c'),
        Nd4j.create(shift, new long[] {1, channels}, 'c')});
    return n;
  }

  /** A k×k convolution from YXIO weights (BN folded) and its bias, no activation. */
  private String convNode(String x, String name, INDArray[] p, int k, int stride, int cin, int cout) {
    g.addLayer(name, new ConvolutionLayer.Builder(k, k).stride(stride, stride).nIn(cin).nOut(cout)
        .convolutionMode(ConvolutionMode.Same).activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), x);
    INDArray oihw = p[0].reshape('c', k, k, cin, cout).permute(3, 2, 0, 1).dup('c').castTo(DataType.FLOAT);
    params.put(name, new INDArray[] {oihw, bias(p[1])});
    return name;
  }

  private String conv(String x, String name, LayerSpec l, int cin, Activation act) {
    return act(convNode(x, name, w.conv(name, l.kernelSize(), cin, l.outputFilters()), l.kernelSize(), l.stride(),
        cin, l.outputFilters()), act);
  }

  /** A dense layer on a pooled [N, C, 1, 1] value, as a 1×1 convolution with bias. */
  private String dense1x1(String x, String name, int in, int out) {
    INDArray[] p = w.dense(name, in, out);
    return convNode(x, name, new INDArray[] {p[0].reshape('c', 1, 1, in, out), p[1]}, 1, 1, in, out);
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
      h = act(convNode(x, name + ".fused", w.conv(name + ".fused", k, in, e), k, stride, in, e), act);
    } else {
      if (b.totalExpansion() != 1) {
        h = act(convNode(x, name + ".expand", w.conv(name + ".expand", 1, in, e), 1, 1, in, e), act);
      }
      int groups = b.kernels().size();
      List<String> outs = new ArrayList<>();
      int offset = 0;
      for (int i = 0; i < groups; i++) {
        int k = b.kernels().get(i);
        int ch = in * b.expansions().get(i);
        String part = h;
        if (groups > 1) {
          part = name + ".split" + i;
          g.addVertex(part, new SubsetVertex(offset, offset + ch - 1), h); // an inclusive channel range
        }
        String dw = name + ".dw" + i;
        g.addLayer(dw, new DepthwiseConvolution2D.Builder(k, k).stride(stride, stride).nIn(ch).nOut(ch)
            .depthMultiplier(1).convolutionMode(ConvolutionMode.Same)
            .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), part);
        INDArray[] p = w.depthwise(name, i, k, offset, ch); // [k, k, C, 1]: DL4J's depthwise layout
        params.put(dw, new INDArray[] {p[0].dup('c').castTo(DataType.FLOAT), bias(p[1])});
        outs.add(dw);
        offset += ch;
      }
      if (groups == 1) {
        h = outs.get(0);
      } else {
        h = name + ".concat";
        g.addVertex(h, new MergeVertex(), outs.toArray(String[]::new));
      }
      h = act(h, act);
    }
    int outSize = NetworkLayout.outSize(size, stride);
    if (b.hasSe()) {
      int r = Complexity.seReducedFilters(b);
      String pooled = name + ".se.pool";
      g.addLayer(pooled, new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(false).build(), h);
      String s = act(dense1x1(pooled, name + ".se.reduce", e, r), seInner);
      String gate = act(dense1x1(s, name + ".se.expand", r, e), seGate);
      String wide = name + ".se.broadcast";
      g.addLayer(wide, new Upsampling2D.Builder(outSize).build(), gate);
      String scaled = name + ".se.scale";
      g.addVertex(scaled, new ElementWiseVertex(ElementWiseVertex.Op.Product), h, wide);
      h = scaled;
    }
    String y = convNode(h, name + ".project", w.conv(name + ".project", 1, e, b.outputFilters()), 1, 1, e,
        b.outputFilters());
    if (!b.residual()) {
      return y;
    }
    String sum = name + ".add";
    g.addVertex(sum, new ElementWiseVertex(ElementWiseVertex.Op.Add), y, x);
    return sum;
  }

  private void head(String x, ModelSpec spec, int channels, Activation act) {
    LayerSpec mix = spec.featureMixLayer();
    LayerSpec fe = spec.finalExpandLayer();
    String h = fe != null ? conv(x, "head.expand", fe, channels, act) : conv(x, "head", mix, channels, act);
    String pooled = "head.pool";
    g.addLayer(pooled, new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), h);
    if (fe != null) {
      INDArray[] p = w.dense("head.mix", fe.outputFilters(), mix.outputFilters());
      g.addLayer("head.mix", new DenseLayer.Builder().nIn(fe.outputFilters()).nOut(mix.outputFilters())
          .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), pooled);
      params.put("head.mix", new INDArray[] {p[0].dup('c').castTo(DataType.FLOAT), bias(p[1])});
      pooled = act("head.mix", act);
    }
    int width = mix.outputFilters();
    INDArray[] p = w.dense("head.fc", width, spec.numClasses());
    g.addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(spec.numClasses())
        .activation(new ActivationSoftmax()).build(), pooled);
    params.put(OUTPUT, new INDArray[] {p[0].dup('c').castTo(DataType.FLOAT), bias(p[1])});
  }

  private String activation(String x, IActivation a) {
    String n = name(x + ".act");
    g.addLayer(n, new ActivationLayer.Builder().activation(a).build(), x);
    return n;
  }

  /** {@code relu6(x + 3) / 6}. */
  private String hardSigmoid(String x) {
    String shifted = name(x + ".plus3");
    g.addVertex(shifted, new ShiftVertex(3), x);
    String scaled = name(x + ".div6");
    g.addVertex(scaled, new ScaleVertex(1.0 / 6), activation(shifted, new ActivationReLU6()));
    return scaled;
  }

  private String act(String x, Activation a) {
    if (a == null) {
      return x;
    }
    return switch (a) {
      case RELU -> activation(x, new ActivationReLU());
      case RELU6 -> activation(x, new ActivationReLU6());
      case SIGMOID -> activation(x, new ActivationSigmoid());
      case SWISH -> activation(x, new ActivationSwish());
      case HSIGMOID -> hardSigmoid(x);
      case HSWISH -> {
        String n = name(x + ".hswish");
        g.addVertex(n, new ElementWiseVertex(ElementWiseVertex.Op.Product), x, hardSigmoid(x));
        yield n;
      }
    };
  }
}
