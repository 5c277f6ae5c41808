package io.s3nas.latency;

import io.s3nas.space.BlockStrings;
import io.s3nas.space.LayerSpec;

/**
 * A component as one line of text, for a component that crosses a process boundary (a cluster's
 * search asking a device node to time it): {@code block|<block string>|<input size>},
 * {@code conv|<class>|<filters>|<kernel>|<stride>|<input channels>|<input size>},
 * {@code pool|<channels>|<input size>} or {@code fc|<inputs>|<classes>}. Block strings are the
 * space's own (timm style, docs/method.md §2), so the line reads like the table's key.
 */
public final class ComponentWire {
  private ComponentWire() {}

  public static String encode(Component c) {
    if (c instanceof Component.Block b) {
      return "block|" + BlockStrings.format(b.args()) + "|" + b.inputSize();
    }
    if (c instanceof Component.Conv v) {
      return "conv|" + v.layer().cls() + "|" + v.layer().outputFilters() + "|" + v.layer().kernelSize() + "|"
          + v.layer().stride() + "|" + v.inputChannels() + "|" + v.inputSize();
    }
    if (c instanceof Component.Pool p) {
      return "pool|" + p.channels() + "|" + p.inputSize();
    }
    Component.Classifier f = (Component.Classifier) c;
    return "fc|" + f.inputs() + "|" + f.classes();
  }

  /** The component of a line {@link #encode} wrote; a malformed line is an {@link IllegalArgumentException}. */
  public static Component decode(String line) {
    String[] f = line.split("\\|", -1);
    try {
      return switch (f[0]) {
        case "block" -> new Component.Block(BlockStrings.parse(f[1]), Integer.parseInt(f[2]));
        case "conv" -> new Component.Conv(new LayerSpec(f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]),
            Integer.parseInt(f[4])), Integer.parseInt(f[5]), Integer.parseInt(f[6]));
        case "pool" -> new Component.Pool(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
        case "fc" -> new Component.Classifier(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
        default -> throw new IllegalArgumentException("unknown component kind '" + f[0] + "'");
      };
    } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
      throw new IllegalArgumentException("not a component line: '" + line + "'", e);
    }
  }
}
