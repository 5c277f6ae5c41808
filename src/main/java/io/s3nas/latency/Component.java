package io.s3nas.latency;

import io.s3nas.space.BlockArgs;
import io.s3nas.space.BlockStrings;
import io.s3nas.space.Complexity;
import io.s3nas.space.LayerSpec;

/**
 * A unit the latency model prices, named the way the S3NAS latency table names its files
 * ({@code <ClassName>/<key>_imgsize<H>}, docs/method.md §5.1). BN and activations are folded into the
 * conv before them, so they are not components.
 */
public sealed interface Component {
  /** The table folder: Conv2D, GlobalAvgPool, Dense or the block class name. */
  String tableClass();

  /** The encoded arguments, without the input size. */
  String key();

  /** Input spatial size (H = W). */
  int inputSize();

  /** Trainable parameters (Complexity's bookkeeping): what the component streams from memory per pass. */
  long params();

  default String tableKey() {
    return tableClass() + "/" + key() + "_imgsize" + inputSize();
  }

  /** A stem or head convolution (with its BN and activation). */
  record Conv(LayerSpec layer, int inputChannels, int inputSize) implements Component {
    public String tableClass() {
      return "Conv2D";
    }

    public String key() {
      return layer.lutKey(inputChannels);
    }

    public long params() {
      return Complexity.conv(inputSize, layer.stride(), layer.kernelSize(), inputChannels, layer.outputFilters(), true,
          false).params();
    }
  }

  record Pool(int channels, int inputSize) implements Component {
    public String tableClass() {
      return "GlobalAvgPool";
    }

    public String key() {
      return "i" + channels;
    }

    public long params() {
      return 0;
    }
  }

  record Classifier(int inputs, int classes) implements Component {
    public String tableClass() {
      return "Dense";
    }

    public String key() {
      return "i" + inputs + "_o" + classes;
    }

    public int inputSize() {
      return 1;
    }

    public long params() {
      return (long) inputs * classes + classes;
    }
  }

  /** A repeat-1 final block (MBConv, MixConv or fused), whole, residual add included. */
  record Block(BlockArgs args, int inputSize) implements Component {
    public Block {
      if (args.repeat() != 1 || args.type().searchable()) {
        throw new IllegalArgumentException("latency components are repeat-1 final blocks: " + args);
      }
    }

    public String tableClass() {
      return args.type().className();
    }

    public String key() {
      return BlockStrings.format(args);
    }

    public long params() {
      return Complexity.block(args, inputSize).params();
    }
  }
}
