package io.s3nas.latency;

import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.LayerSpec;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.NetworkLayout;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The latency of a network on a platform (docs/method.md §5.1):
 *
 * <pre>  L = Σ stem + Σ_b Σ_o P_b(o) · LUT(b, o) + Σ head + LUT(classifier),   LUT(skip) = 0</pre>
 *
 * One code path for both uses: every block position's outcome latencies are priced once into
 * {@code outcomeMs[b][o]}; the supernet's differentiable expectation weighs them with outcome
 * probabilities, and a fixed architecture is the special case of one-hot probabilities, evaluated
 * sparsely as one lookup per block (so millions of architectures per second). Skipped blocks never
 * change shapes (they are residual), so the stem and head costs are constant.
 */
public final class NetworkLatency {
  /** One priced part of a network. */
  public record Part(String name, String tableKey, double ms, LatencySource source) {}

  /** The priced parts of one architecture and their total. */
  public record Breakdown(String platform, double totalMs, List<Part> parts, Map<LatencySource, Integer> sources) {
    /** Parts priced by something other than the table (predicted or analytical). */
    public List<Part> notFromTable() {
      return parts.stream().filter(p -> p.source() == LatencySource.PREDICTED
          || p.source() == LatencySource.ANALYTICAL).toList();
    }
  }

  private final String platform;
  private final SearchSpace space;
  private final double constantMs;
  private final List<Part> constantParts;
  private final double[][] outcomeMs;
  private final LatencySource[][] outcomeSource;

  private NetworkLatency(String platform, SearchSpace space, double constantMs, List<Part> constantParts,
                         double[][] outcomeMs, LatencySource[][] outcomeSource) {
    this.platform = platform;
    this.space = space;
    this.constantMs = constantMs;
    this.constantParts = constantParts;
    this.outcomeMs = outcomeMs;
    this.outcomeSource = outcomeSource;
  }

  /** Prices every outcome of every block of {@code space} on {@code model}. */
  public static NetworkLatency of(SearchSpace space, LatencyModel model) {
    List<Component> all = new ArrayList<>(stemAndHead(space.layout()));
    for (SearchableBlock b : space.blocks()) {
      for (int o = 0; o < b.outcomes().size(); o++) {
        BlockArgs concrete = b.concrete(o);
        if (concrete != null) {
          all.add(new Component.Block(concrete, b.inputSize()));
        }
      }
    }
    model.prefetch(all);
    List<Part> constant = new ArrayList<>();
    List<Component> fixed = stemAndHead(space.layout());
    for (int i = 0; i < fixed.size(); i++) {
      Component c = fixed.get(i);
      ComponentLatency l = model.latency(c);
      constant.add(new Part(role(c, i, space.supernet()), c.tableKey(), l.ms(), l.source()));
    }
    if (model.networkOverheadMs() != 0) {
      constant.add(new Part("overhead", "per-network overhead", model.networkOverheadMs(), LatencySource.TABLE));
    }
    double cst = constant.stream().mapToDouble(Part::ms).sum();
    int n = space.blocks().size();
    double[][] ms = new double[n][];
    LatencySource[][] src = new LatencySource[n][];
    for (SearchableBlock b : space.blocks()) {
      int no = b.outcomes().size();
      ms[b.index()] = new double[no];
      src[b.index()] = new LatencySource[no];
      for (int o = 0; o < no; o++) {
        BlockArgs concrete = b.concrete(o);
        ComponentLatency l = concrete == null ? ComponentLatency.ZERO
            : model.latency(new Component.Block(concrete, b.inputSize()));
        ms[b.index()][o] = l.ms();
        src[b.index()][o] = l.source();
      }
    }
    return new NetworkLatency(model.platform(), space, cst, List.copyOf(constant), ms, src);
  }

  /**
   * The estimate of a fixed architecture, through its own (one-outcome-per-block) space. A global
   * non-ReLU activation is written onto each block that has none, so the table key says what runs.
   */
  public static Breakdown estimate(Architecture arch, LatencyModel model) {
    SearchSpace own = SearchSpace.of(withGlobalActivation(arch.spec()));
    return of(own, model).breakdown(new int[own.blocks().size()]);
  }

  /** The components a fixed architecture runs: stem, every block, head, pool and classifier. */
  public static List<Component> components(Architecture arch) {
    SearchSpace own = SearchSpace.of(withGlobalActivation(arch.spec()));
    List<Component> out = new ArrayList<>(stemAndHead(own.layout()));
    for (SearchableBlock b : own.blocks()) {
      BlockArgs concrete = b.concrete(0);
      if (concrete != null) {
        out.add(new Component.Block(concrete, b.inputSize()));
      }
    }
    return out;
  }

  public static ModelSpec withGlobalActivation(ModelSpec spec) {
    if (spec.actFn() == null || spec.actFn() == io.s3nas.space.Activation.RELU) {
      return spec;
    }
    List<io.s3nas.space.StageSpec> stages = new ArrayList<>();
    for (io.s3nas.space.StageSpec st : spec.stages()) {
      stages.add(new io.s3nas.space.StageSpec(st.blocks().stream()
          .map(b -> b.activation() == null ? b.withActivation(spec.actFn()) : b).toList()));
    }
    return spec.withStages(stages, spec.stagesAsStrings());
  }

  /** The stem, head and classifier components of a network layout. */
  public static List<Component> stemAndHead(NetworkLayout layout) {
    ModelSpec spec = layout.spec();
    List<Component> out = new ArrayList<>();
    out.add(new Component.Conv(spec.firstConv(), spec.imgChannels(), spec.imgSize()));
    int size = layout.headInputSize();
    int ch = layout.headInputChannels();
    if (spec.finalExpandLayer() != null) {
      LayerSpec fe = spec.finalExpandLayer();
      out.add(new Component.Conv(fe, ch, size));
      size = NetworkLayout.outSize(size, fe.stride());
      out.add(new Component.Pool(fe.outputFilters(), size));
      out.add(new Component.Conv(spec.featureMixLayer(), fe.outputFilters(), 1));
    } else {
      LayerSpec mix = spec.featureMixLayer();
      out.add(new Component.Conv(mix, ch, size));
      size = NetworkLayout.outSize(size, mix.stride());
      out.add(new Component.Pool(mix.outputFilters(), size));
    }
    out.add(new Component.Classifier(spec.featureMixLayer().outputFilters(), spec.numClasses()));
    return out;
  }

  private static String role(Component c, int i, ModelSpec spec) {
    if (i == 0) {
      return "stem";
    }
    if (c instanceof Component.Pool) {
      return "pool";
    }
    if (c instanceof Component.Classifier) {
      return "classifier";
    }
    return spec.finalExpandLayer() != null && i == 1 ? "final_expand" : spec.finalExpandLayer() != null ? "feature_mix" : "head";
  }

  public String platform() {
    return platform;
  }

  public SearchSpace space() {
    return space;
  }

  /** Stem + head + classifier, in ms. */
  public double constantMs() {
    return constantMs;
  }

  /** {@code [block][outcome]} latencies in ms; also the gradient of {@link #expected} by P. */
  public double outcomeMs(int block, int outcome) {
    return outcomeMs[block][outcome];
  }

  public double[] outcomeMs(int block) {
    return outcomeMs[block].clone();
  }

  /** Fixed architecture: one outcome index per block. */
  public double estimate(int[] choice) {
    double s = constantMs;
    for (int b = 0; b < outcomeMs.length; b++) {
      s += outcomeMs[b][choice[b]];
    }
    return s;
  }

  /** Expected latency under per-block outcome probabilities {@code probs[block][outcome]}. */
  public double expected(double[][] probs) {
    double s = constantMs;
    for (int b = 0; b < outcomeMs.length; b++) {
      double[] p = probs[b];
      double[] l = outcomeMs[b];
      for (int o = 0; o < l.length; o++) {
        s += p[o] * l[o];
      }
    }
    return s;
  }

  /** The slowest architecture: every block at its most expensive outcome. */
  public double maxMs() {
    double s = constantMs;
    for (double[] l : outcomeMs) {
      double m = 0;
      for (double v : l) {
        m = Math.max(m, v);
      }
      s += m;
    }
    return s;
  }

  /** The smallest architecture's latency (each block at its cheapest outcome). */
  public double minMs() {
    double s = constantMs;
    for (double[] l : outcomeMs) {
      double m = Double.POSITIVE_INFINITY;
      for (double v : l) {
        m = Math.min(m, v);
      }
      s += m;
    }
    return s;
  }

  public Breakdown breakdown(int[] choice) {
    List<Part> parts = new ArrayList<>(constantParts.subList(0, 1));
    for (SearchableBlock b : space.blocks()) {
      int o = choice[b.index()];
      BlockArgs concrete = b.concrete(o);
      String key = concrete == null ? "skip" : new Component.Block(concrete, b.inputSize()).tableKey();
      parts.add(new Part("stage" + b.stage() + "_block" + b.indexInStage(), key, outcomeMs[b.index()][o],
          outcomeSource[b.index()][o]));
    }
    parts.addAll(constantParts.subList(1, constantParts.size()));
    Map<LatencySource, Integer> counts = new EnumMap<>(LatencySource.class);
    for (Part p : parts) {
      counts.merge(p.source(), 1, Integer::sum);
    }
    return new Breakdown(platform, estimate(choice), List.copyOf(parts), counts);
  }
}
