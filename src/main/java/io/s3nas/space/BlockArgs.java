package io.s3nas.space;

import java.util.List;
import java.util.Objects;

/**
 * One S3NAS block (or a run of {@code repeat} identical blocks), exactly the fields of the block
 * string {@code r<repeat>_k<k,..>_s<sh><sw>_e<e,..>_i<in>_o<out>_c<type>[_se<r>][_noskip][_<act>]}.
 *
 * <p>For multi-branch (MixConv) types, {@code kernels} and {@code expansions} hold one entry per
 * branch; otherwise exactly one each. {@code seRatio} 0 means no SE; {@code activation} null means
 * the network's global activation.
 */
public record BlockArgs(
    int repeat,
    List<Integer> kernels,
    int strideH,
    int strideW,
    List<Integer> expansions,
    int inputFilters,
    int outputFilters,
    BlockType type,
    double seRatio,
    boolean idSkip,
    Activation activation) {

  public BlockArgs {
    kernels = List.copyOf(kernels);
    expansions = List.copyOf(expansions);
    Objects.requireNonNull(type, "type");
  }

  /** Whether the block adds its input to its output: stride 1, in == out and not noskip. */
  public boolean residual() {
    return idSkip && strideH == 1 && strideW == 1 && inputFilters == outputFilters;
  }

  public boolean hasSe() {
    return seRatio > 0;
  }

  /** Sum of the branch expansions: the expanded width is {@code inputFilters * totalExpansion}. */
  public int totalExpansion() {
    int sum = 0;
    for (int e : expansions) {
      sum += e;
    }
    return sum;
  }

  public int expandedFilters() {
    return inputFilters * totalExpansion();
  }

  /** The copy a repeat turns into: stride 1 and in == out (EfficientNet repeat semantics). */
  public BlockArgs asRepeatClone() {
    return new BlockArgs(1, kernels, 1, 1, expansions, outputFilters, outputFilters, type, seRatio,
        idSkip, activation);
  }

  public BlockArgs withRepeat(int r) {
    return new BlockArgs(r, kernels, strideH, strideW, expansions, inputFilters, outputFilters, type,
        seRatio, idSkip, activation);
  }

  public BlockArgs withChoice(BlockType newType, List<Integer> newKernels, List<Integer> newExpansions) {
    return new BlockArgs(repeat, newKernels, strideH, strideW, newExpansions, inputFilters,
        outputFilters, newType, seRatio, idSkip, activation);
  }

  public BlockArgs withFilters(int in, int out) {
    return new BlockArgs(repeat, kernels, strideH, strideW, expansions, in, out, type, seRatio,
        idSkip, activation);
  }

  public BlockArgs withSe(double ratio) {
    return new BlockArgs(repeat, kernels, strideH, strideW, expansions, inputFilters, outputFilters,
        type, ratio, idSkip, activation);
  }

  public BlockArgs withActivation(Activation act) {
    return new BlockArgs(repeat, kernels, strideH, strideW, expansions, inputFilters, outputFilters,
        type, seRatio, idSkip, act);
  }

  /** Spans {@code repeat} into individual repeat-1 blocks, as S3NAS' span_blocks_args does. */
  public List<BlockArgs> span() {
    BlockArgs first = withRepeat(1);
    BlockArgs rest = asRepeatClone();
    java.util.ArrayList<BlockArgs> out = new java.util.ArrayList<>(repeat);
    out.add(first);
    for (int i = 1; i < repeat; i++) {
      out.add(rest);
    }
    return out;
  }

  @Override
  public String toString() {
    return BlockStrings.format(this);
  }
}
