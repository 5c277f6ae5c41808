package io.s3nas.latency;

import io.s3nas.space.BlockArgs;
import io.s3nas.space.BlockStrings;
import io.s3nas.space.BlockType;
import io.s3nas.space.Complexity;
import io.s3nas.space.LayerSpec;
import io.s3nas.space.NetworkLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Describes a component by the primitive layers it runs (1x1/full convs, depthwise convs, SE, the
 * residual add, pooling, the classifier) and turns them into the numeric features the latency
 * predictor and the analytical model use: MACs per kind of layer, the same with channels rounded
 * up to the accelerator's vector width (an NPU computes a partial vector at full cost), weights,
 * activation traffic, layer count, kernel, expansion, stride, spatial size and the residual flag.
 */
public final class ComponentFeatures {
  /** Names of the predictor's features, in vector order. */
  public static final List<String> NAMES = List.of(
      "const", "layers", "conv_macs", "dw_macs", "conv_macs_aligned", "dw_macs_aligned", "weights",
      "act_in", "act_out", "residual_add", "dense_macs", "pool_elems", "kernel_max", "expansion",
      "stride", "input_size", "is_block");

  private static final Pattern CONV_KEY = Pattern.compile("k(\\d+)_s(\\d)(\\d)_i(\\d+)_o(\\d+)");
  private static final Pattern POOL_KEY = Pattern.compile("i(\\d+)");
  private static final Pattern DENSE_KEY = Pattern.compile("i(\\d+)_o(\\d+)");

  private ComponentFeatures() {}

  /** A primitive layer: kind, kernel, channels in/out, input and output spatial size. */
  public record Layer(Kind kind, int k, int cin, int cout, int inSize, int outSize) {
    public long macs() {
      return switch (kind) {
        case CONV -> (long) outSize * outSize * k * k * cin * cout;
        case DEPTHWISE -> (long) outSize * outSize * k * k * cout;
        case DENSE -> (long) cin * cout;
        case POOL, ADD -> 0;
      };
    }

    public long weights() {
      return switch (kind) {
        case CONV -> (long) k * k * cin * cout;
        case DEPTHWISE -> (long) k * k * cout;
        case DENSE -> (long) cin * cout + cout;
        case POOL, ADD -> 0;
      };
    }

    public long inputElements() {
      return (long) inSize * inSize * cin;
    }

    public long outputElements() {
      return (long) outSize * outSize * cout;
    }
  }

  public enum Kind { CONV, DEPTHWISE, POOL, DENSE, ADD }

  /** The primitive layers of a component. */
  public static List<Layer> layers(Component c) {
    List<Layer> out = new ArrayList<>();
    if (c instanceof Component.Conv conv) {
      LayerSpec l = conv.layer();
      out.add(new Layer(Kind.CONV, l.kernelSize(), conv.inputChannels(), l.outputFilters(), conv.inputSize(),
          NetworkLayout.outSize(conv.inputSize(), l.stride())));
    } else if (c instanceof Component.Pool p) {
      out.add(new Layer(Kind.POOL, 1, p.channels(), p.channels(), p.inputSize(), 1));
    } else if (c instanceof Component.Classifier d) {
      out.add(new Layer(Kind.DENSE, 1, d.inputs(), d.classes(), 1, 1));
    } else if (c instanceof Component.Block b) {
      addBlock(out, b.args(), b.inputSize());
    }
    return out;
  }

  private static void addBlock(List<Layer> out, BlockArgs b, int h) {
    int in = b.inputFilters();
    int e = b.expandedFilters();
    int ho = NetworkLayout.outSize(h, b.strideH());
    if (b.type().fused()) {
      out.add(new Layer(Kind.CONV, b.kernels().get(0), in, e, h, ho));
    } else {
      if (b.totalExpansion() != 1) {
        out.add(new Layer(Kind.CONV, 1, in, e, h, h));
      }
      for (int i = 0; i < b.kernels().size(); i++) {
        int ch = in * b.expansions().get(i);
        out.add(new Layer(Kind.DEPTHWISE, b.kernels().get(i), ch, ch, h, ho));
      }
    }
    if (b.hasSe()) {
      int r = Complexity.seReducedFilters(b);
      out.add(new Layer(Kind.POOL, 1, e, e, ho, 1));
      out.add(new Layer(Kind.CONV, 1, e, r, 1, 1));
      out.add(new Layer(Kind.CONV, 1, r, e, 1, 1));
    }
    out.add(new Layer(Kind.CONV, 1, e, b.outputFilters(), ho, ho));
    if (b.residual()) {
      out.add(new Layer(Kind.ADD, 1, b.outputFilters(), b.outputFilters(), ho, ho));
    }
  }

  /** The feature vector of {@link #NAMES} for a component, with channels aligned to {@code width}. */
  public static double[] of(Component c, int width) {
    double[] f = new double[NAMES.size()];
    f[0] = 1;
    for (Layer l : layers(c)) {
      f[1] += 1;
      switch (l.kind()) {
        case CONV -> {
          f[2] += l.macs() / 1e6;
          f[4] += (double) l.outSize() * l.outSize() * l.k() * l.k() * align(l.cin(), width) * align(l.cout(), width) / 1e6;
        }
        case DEPTHWISE -> {
          f[3] += l.macs() / 1e6;
          f[5] += (double) l.outSize() * l.outSize() * l.k() * l.k() * align(l.cout(), width) / 1e6;
        }
        case DENSE -> f[10] += l.macs() / 1e6;
        case POOL -> f[11] += l.inputElements() / 1e6;
        case ADD -> f[9] += l.outputElements() / 1e6;
      }
      f[6] += l.weights() / 1e6;
      f[7] += l.inputElements() / 1e6;
      f[8] += l.outputElements() / 1e6;
    }
    if (c instanceof Component.Block b) {
      f[12] = b.args().kernels().stream().mapToInt(Integer::intValue).max().orElse(1);
      f[13] = b.args().totalExpansion();
      f[14] = b.args().strideH();
      f[16] = 1;
    } else if (c instanceof Component.Conv conv) {
      f[12] = conv.layer().kernelSize();
      f[14] = conv.layer().stride();
    }
    f[15] = c.inputSize();
    return f;
  }

  /**
   * A roofline sum over the primitive layers: each costs the larger of its aligned compute
   * (MACs with channels rounded up to {@code width}, divided by {@code width} lanes) and its memory
   * traffic (weights plus activations in and out), both in millions of units.
   */
  public static double roofline(Component c, int width) {
    double total = 0;
    for (Layer l : layers(c)) {
      double compute = switch (l.kind()) {
        case CONV -> (double) l.outSize() * l.outSize() * l.k() * l.k() * l.cin() * align(l.cout(), width) / width;
        case DEPTHWISE -> (double) l.outSize() * l.outSize() * l.k() * l.k() * align(l.cout(), width) / width;
        case DENSE -> (double) l.cin() * align(l.cout(), width) / width;
        case POOL, ADD -> (double) l.inputElements() / width;
      };
      double memory = l.weights() + l.inputElements() + l.outputElements();
      total += Math.max(compute, memory);
    }
    return total / 1e6;
  }

  private static long align(int c, int width) {
    return ((long) c + width - 1) / width * width;
  }

  /**
   * Rebuilds a component from its table class, key and input size (the inverse of
   * {@link Component#tableKey()}), or null when the key is not understood.
   */
  public static Component parse(String tableClass, String key, int inputSize) {
    try {
      switch (tableClass) {
        case "Conv2D" -> {
          Matcher m = CONV_KEY.matcher(key);
          if (!m.matches()) {
            return null;
          }
          int stride = Integer.parseInt(m.group(2));
          return new Component.Conv(new LayerSpec("Conv2D", Integer.parseInt(m.group(5)),
              Integer.parseInt(m.group(1)), stride), Integer.parseInt(m.group(4)), inputSize);
        }
        case "GlobalAvgPool" -> {
          Matcher m = POOL_KEY.matcher(key);
          return m.matches() ? new Component.Pool(Integer.parseInt(m.group(1)), inputSize) : null;
        }
        case "Dense" -> {
          Matcher m = DENSE_KEY.matcher(key);
          return m.matches() ? new Component.Classifier(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))) : null;
        }
        default -> {
          BlockArgs b = BlockStrings.parse(key);
          if (b.type().searchable() || b.repeat() != 1 || !b.type().className().equals(tableClass)
              || b.type() == BlockType.SEARCHABLE_MIXCONV) {
            return null;
          }
          return new Component.Block(b, inputSize);
        }
      }
    } catch (RuntimeException e) {
      return null;
    }
  }
}
