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

  /** The whole network: stem, blocks, head, classifier. */
  public static InferenceNet of(Architecture arch, long seed) {
    ModelSpec spec = arch.spec();
    Nd4j.getRandom().setSeed(seed);
    Activation act = spec.activationOrDefault();
    List<Layer> layers = new ArrayList<>();
    layers.add(conv(spec.firstConv(), spec.imgChannels(), act));
    NetworkLayout layout = arch.layout();
    for (PlacedBlock p : layout.blocks()) {
      layers.add(block(p.args(), act, spec.seInnerOrDefault(), spec.seGatingOrDefault()));
    }
    layers.add(head(spec, layout.headInputChannels(), act));
    return new InferenceNet(layers, new long[] {1, spec.imgChannels(), spec.imgSize(), spec.imgSize()});
  }

  /** One repeat-1 final block at input size {@code size}. */
  public static InferenceNet ofBlock(BlockArgs b, int size, Activation act, Activation seInner, Activation seGate, long seed) {
    Nd4j.getRandom().setSeed(seed);
    return new InferenceNet(List.of(block(b, act, seInner, seGate)), new long[] {1, b.inputFilters(), size, size});
  }

  /** A stem or head convolution with its activation. */
  public static InferenceNet ofConv(LayerSpec l, int inputChannels, int size, Activation act, long seed) {
    Nd4j.getRandom().setSeed(seed);
    return new InferenceNet(List.of(conv(l, inputChannels, act)), new long[] {1, inputChannels, size, size});
  }

  /** Global average pooling followed by the classifier. */
  public static InferenceNet ofPoolAndClassifier(int channels, int size, int classes, long seed) {
    Nd4j.getRandom().setSeed(seed);
    return new InferenceNet(List.of(new HeadLayer(null, null, dense(channels, classes), Nd4j.zeros(DataType.FLOAT, classes))),
        new long[] {1, channels, size, size});
  }

  private static Layer head(ModelSpec spec, int channels, Activation act) {
    LayerSpec mix = spec.featureMixLayer();
    int classes = spec.numClasses();
    if (spec.finalExpandLayer() != null) {
      LayerSpec fe = spec.finalExpandLayer();
      return new HeadLayer(conv(fe, channels, act), conv(mix, fe.outputFilters(), act),
          dense(mix.outputFilters(), classes), Nd4j.zeros(DataType.FLOAT, classes));
    }
    return new HeadLayer(conv(mix, channels, act), null, dense(mix.outputFilters(), classes),
        Nd4j.zeros(DataType.FLOAT, classes));
  }

  private static ConvLayer conv(LayerSpec l, int cin, Activation act) {
    return new ConvLayer(convWeights(l.kernelSize(), cin, l.outputFilters()), bias(l.outputFilters()),
        l.kernelSize(), l.stride(), false, act);
  }

  private static Layer block(BlockArgs b, Activation globalAct, Activation seInner, Activation seGate) {
    Activation act = b.activation() != null ? b.activation() : globalAct;
    int in = b.inputFilters();
    int e = b.expandedFilters();
    Layer front = null;
    List<ConvLayer> branches = new ArrayList<>();
    int[] groups = new int[b.kernels().size()];
    if (b.type().fused()) {
      int k = b.kernels().get(0);
      front = new ConvLayer(convWeights(k, in, e), bias(e), k, b.strideH(), false, act);
    } else {
      if (b.totalExpansion() != 1) {
        front = new ConvLayer(convWeights(1, in, e), bias(e), 1, 1, false, act);
      }
      for (int i = 0; i < b.kernels().size(); i++) {
        int k = b.kernels().get(i);
        int ch = in * b.expansions().get(i);
        groups[i] = ch;
        INDArray w = Nd4j.randn(DataType.FLOAT, k, k, ch, 1).muli(Math.sqrt(2.0 / (k * k)));
        branches.add(new ConvLayer(w, bias(ch), k, b.strideH(), true, act));
      }
    }
    SeLayer se = null;
    if (b.hasSe()) {
      int r = Complexity.seReducedFilters(b);
      se = new SeLayer(dense(e, r), bias(r), dense(r, e), bias(e), seInner, seGate);
    }
    ConvLayer project = new ConvLayer(convWeights(1, e, b.outputFilters()), bias(b.outputFilters()), 1, 1, false, null);
    return new BlockLayer(front, branches, groups, se, project, b.residual());
  }

  private static INDArray convWeights(int k, int cin, int cout) {
    return Nd4j.randn(DataType.FLOAT, k, k, cin, cout).muli(Math.sqrt(2.0 / (k * k * cout)));
  }

  private static INDArray dense(int in, int out) {
    double r = 1.0 / Math.sqrt(out);
    return Nd4j.rand(DataType.FLOAT, in, out).muli(2 * r).subi(r);
  }

  private static INDArray bias(int n) {
    return Nd4j.zeros(DataType.FLOAT, n);
  }
}
