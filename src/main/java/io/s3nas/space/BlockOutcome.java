package io.s3nas.space;

import java.util.List;

/**
 * One distinct result of a searchable block after the MixConv simplification (docs/method.md §3):
 * kernels sorted ascending with the channels of equal kernels summed, or the skip outcome (both
 * lists empty) for residual blocks whose every branch is zeroed.
 */
public record BlockOutcome(List<Integer> kernels, List<Integer> expansions) {
  public static final BlockOutcome SKIP = new BlockOutcome(List.of(), List.of());

  public BlockOutcome {
    kernels = List.copyOf(kernels);
    expansions = List.copyOf(expansions);
    if (kernels.size() != expansions.size()) {
      throw new IllegalArgumentException("kernels and expansions differ in length");
    }
  }

  public boolean isSkip() {
    return kernels.isEmpty();
  }

  /**
   * The concrete repeat-1 block this outcome makes of {@code superBlock}: the final type (MBConv
   * for one kernel, MixConv for several, fused stays fused), stride, filters, SE and activation kept.
   * Returns null for the skip outcome, which deletes the block.
   */
  public BlockArgs apply(BlockArgs superBlock) {
    if (isSkip()) {
      return null;
    }
    BlockType t = superBlock.type().finalTypeFor(kernels.size());
    return superBlock.withRepeat(1).withChoice(t, kernels, expansions);
  }

  /** Compact label like {@code k3,5 e4,2} or {@code skip}. */
  public String label() {
    if (isSkip()) {
      return "skip";
    }
    return "k" + join(kernels) + " e" + join(expansions);
  }

  private static String join(List<Integer> xs) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < xs.size(); i++) {
      sb.append(i > 0 ? "," : "").append(xs.get(i));
    }
    return sb.toString();
  }
}
