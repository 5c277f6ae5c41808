package io.s3nas.space;

import java.util.List;

/**
 * A block position of a supernet: the supernet block args (repeat 1), its input spatial size, its
 * branches and the distinct outcomes it can take. A fixed (non-searchable) block has no branches
 * and exactly one outcome, itself.
 *
 * <p>{@code combos} maps every element of the Cartesian product of branch choices to the index of
 * its simplified outcome; the search sums combo probabilities into outcome probabilities with it.
 */
public record SearchableBlock(
    int index,
    int stage,
    int indexInStage,
    BlockArgs superArgs,
    int inputSize,
    List<Branch> branches,
    List<BlockOutcome> outcomes,
    List<Combo> combos) {

  /** One combination: per branch the index of its kernel option and of its expansion option. */
  public record Combo(int[] kernelIndex, int[] expansionIndex, int outcome) {}

  public SearchableBlock {
    branches = List.copyOf(branches);
    outcomes = List.copyOf(outcomes);
    combos = List.copyOf(combos);
  }

  public boolean residual() {
    return superArgs.residual();
  }

  public boolean skippable() {
    return outcomes.stream().anyMatch(BlockOutcome::isSkip);
  }

  public int outcomeIndex(BlockOutcome o) {
    int i = outcomes.indexOf(o);
    if (i < 0) {
      throw new IllegalArgumentException("outcome " + o.label() + " is not possible at block " + index
          + " (" + superArgs + ")");
    }
    return i;
  }

  /** The concrete block for outcome {@code i}, or null when it is the skip. */
  public BlockArgs concrete(int i) {
    return outcomes.get(i).apply(superArgs);
  }

  /**
   * Outcome probabilities from per-branch choice probabilities: {@code branchProbs[b][k * nE + e]}
   * is the probability that branch b takes kernel option k and expansion option e (docs/method.md §3).
   */
  public double[] outcomeProbabilities(double[][] branchProbs) {
    double[] p = new double[outcomes.size()];
    if (branches.isEmpty()) {
      p[0] = 1;
      return p;
    }
    for (Combo c : combos) {
      double v = 1;
      for (int b = 0; b < branches.size(); b++) {
        v *= branchProbs[b][c.kernelIndex()[b] * branches.get(b).expansionOptions().size() + c.expansionIndex()[b]];
      }
      p[c.outcome()] += v;
    }
    return p;
  }
}
