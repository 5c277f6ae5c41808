package io.s3nas.nn.infer;

import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.Complexity;
import io.s3nas.space.LayerSpec;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.NetworkLayout;
import io.s3nas.space.PlacedBlock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An inference-only ND4J network (NCHW, float32, BN folded into conv biases) built from an
 * {@link Architecture} or from one of its parts. Used to time blocks and whole networks on this
 * CPU. Each batch size gets a compiled {@link Plan} over preallocated buffers, so steady-state
 * passes allocate no new off-heap memory and timings do not include fresh-buffer page faults.
 *
 * <p>Weights are random (EfficientNet init, std √(2/fan_out)) and seeded: latency does not depend
 * on their values.
 */
public final class InferenceNet {
  private final List<Layer> layers;
  private final long[] inputShape;
  private final Map<Integer, Compiled> plans = new HashMap<>();

  /** A plan with its input and output buffers. */
  private record Compiled(Plan plan, INDArray input, INDArray output) {}

  private InferenceNet(List<Layer> layers, long[] inputShape) {
    this.layers = layers;
    this.inputShape = inputShape;
  }

  /** The NCHW input shape this net expects for {@code batch} images. */
  public long[] inputShape(int batch) {
    long[] s = inputShape.clone();
    s[0] = batch;
    return s;
  }

  /** A random input for this net. */
  public INDArray randomInput(int batch, long seed) {
    Nd4j.getRandom().setSeed(seed);
    return Nd4j.randn(DataType.FLOAT, inputShape(batch));
  }

  /** Number of executed steps (ops) per forward pass at this batch size. */
  public int steps(int batch) {
    return compiled(batch).plan().size();
  }

  private synchronized Compiled compiled(int batch) {
    return plans.computeIfAbsent(batch, b -> {
      Plan plan = new Plan();
      INDArray in = plan.alloc(inputShape(b));
      INDArray x = in;
      for (Layer l : layers) {
        x = l.compile(plan, x);
      }
      return new Compiled(plan, in, x);
    });
  }

  /** One forward pass whose result stays in the net's output buffer (for timing). */
  public void run(INDArray input) {
    Compiled c = compiled((int) input.size(0));
    c.input().assign(input);
    c.plan().run();
  }

  /** One forward pass returning a copy of the logits. */
  public INDArray output(INDArray input) {
    Compiled c = compiled((int) input.size(0));
    c.input().assign(input);
    c.plan().run();
    return c.output().dup();
  }

  // ---- builders --------------------------------------------------------------------------------

  /** The whole network with random weights (for timing): stem, blocks, head, classifier. */
  public static InferenceNet of(Architecture arch, long seed) {
    return of(arch, new RandomWeights(seed));
  }

  /** The whole network with the given weights (trained ones: {@link TrainedWeights}). */
  public static InferenceNet of(Architecture arch, Weights w) {
    ModelSpec spec = arch.spec();
    Activation act = spec.activationOrDefault();
    List<Layer> layers = new ArrayList<>();
    layers.add(conv(w, "stem", spec.firstConv(), spec.imgChannels(), act));
    NetworkLayout layout = arch.layout();
    List<PlacedBlock> blocks = layout.blocks();
    for (int i = 0; i < blocks.size(); i++) {
      layers.add(block(w, "block" + i, blocks.get(i).args(), act, spec.seInnerOrDefault(), spec.seGatingOrDefault()));
    }
    layers.add(head(w, spec, layout.headInputChannels(), act));
    return new InferenceNet(layers, new long[] {1, spec.imgChannels(), spec.imgSize(), spec.imgSize()});
  }

  /** The seeded random weights the timing builders use (the same seed gives the same weights). */
  public static Weights randomWeights(long seed) {
    return new RandomWeights(seed);
  }

  /** One repeat-1 final block at input size {@code size}. */
  public static InferenceNet ofBlock(BlockArgs b, int size, Activation act, Activation seInner, Activation seGate, long seed) {
    return new InferenceNet(List.of(block(new RandomWeights(seed), "block", b, act, seInner, seGate)),
        new long[] {1, b.inputFilters(), size, size});
  }

  /** A stem or head convolution with its activation. */
  public static InferenceNet ofConv(LayerSpec l, int inputChannels, int size, Activation act, long seed) {
    return new InferenceNet(List.of(conv(new RandomWeights(seed), "conv", l, inputChannels, act)),
        new long[] {1, inputChannels, size, size});
  }

  /** Global average pooling followed by the classifier. */
  public static InferenceNet ofPoolAndClassifier(int channels, int size, int classes, long seed) {
    INDArray[] fc = new RandomWeights(seed).dense("fc", channels, classes);
    return new InferenceNet(List.of(new HeadLayer(null, null, fc[0], fc[1], null)), new long[] {1, channels, size, size});
  }

  private static Layer head(Weights w, ModelSpec spec, int channels, Activation act) {
    LayerSpec mix = spec.featureMixLayer();
    int classes = spec.numClasses();
    if (spec.finalExpandLayer() != null) {
      LayerSpec fe = spec.finalExpandLayer();
      ConvLayer before = conv(w, "head.expand", fe, channels, act);
      INDArray[] m = w.dense("head.mix", fe.outputFilters(), mix.outputFilters());
      INDArray[] fc = w.dense("head.fc", mix.outputFilters(), classes);
      return new HeadLayer(before, m, fc[0], fc[1], act);
    }
    ConvLayer before = conv(w, "head", mix, channels, act);
    INDArray[] fc = w.dense("head.fc", mix.outputFilters(), classes);
    return new HeadLayer(before, null, fc[0], fc[1], act);
  }

  private static ConvLayer conv(Weights w, String name, LayerSpec l, int cin, Activation act) {
    INDArray[] p = w.conv(name, l.kernelSize(), cin, l.outputFilters());
    return new ConvLayer(p[0], p[1], l.kernelSize(), l.stride(), false, act);
  }

  private static Layer block(Weights w, String name, BlockArgs b, Activation globalAct, Activation seInner,
                             Activation seGate) {
    Activation act = b.activation() != null ? b.activation() : globalAct;
    int in = b.inputFilters();
    int e = b.expandedFilters();
    Layer front = null;
    List<ConvLayer> branches = new ArrayList<>();
    int[] groups = new int[b.kernels().size()];
    if (b.type().fused()) {
      int k = b.kernels().get(0);
      INDArray[] p = w.conv(name + ".fused", k, in, e);
      front = new ConvLayer(p[0], p[1], k, b.strideH(), false, act);
    } else {
      if (b.totalExpansion() != 1) {
        INDArray[] p = w.conv(name + ".expand", 1, in, e);
        front = new ConvLayer(p[0], p[1], 1, 1, false, act);
      }
      int offset = 0;
      for (int i = 0; i < b.kernels().size(); i++) {
        int k = b.kernels().get(i);
        int ch = in * b.expansions().get(i);
        groups[i] = ch;
        INDArray[] p = w.depthwise(name, i, k, offset, ch);
        branches.add(new ConvLayer(p[0], p[1], k, b.strideH(), true, act));
        offset += ch;
      }
    }
    SeLayer se = null;
    if (b.hasSe()) {
      int r = Complexity.seReducedFilters(b);
      INDArray[] reduce = w.dense(name + ".se.reduce", e, r);
      INDArray[] expand = w.dense(name + ".se.expand", r, e);
      se = new SeLayer(reduce[0], reduce[1], expand[0], expand[1], seInner, seGate);
    }
    INDArray[] p = w.conv(name + ".project", 1, e, b.outputFilters());
    ConvLayer project = new ConvLayer(p[0], p[1], 1, 1, false, null);
    return new BlockLayer(front, branches, groups, se, project, b.residual());
  }
}
