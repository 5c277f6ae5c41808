package io.s3nas.search;

import io.s3nas.space.SearchableBlock;

/**
 * A block's outcome probabilities from its branches' choice probabilities and back (docs/method.md §3):
 * every combination of branch choices has probability Π_b P_b(choice_b), and combinations that
 * simplify to the same outcome add up.
 */
public final class OutcomeProbabilities {
  private OutcomeProbabilities() {}

  public static double[] forward(SearchableBlock block, double[][] branchProbs) {
    return block.outcomeProbabilities(branchProbs);
  }

  /** ∂L/∂P_b(choice) from ∂L/∂P(outcome): Σ over combinations using that choice of dOutcome · Π_{b'≠b} P_b'. */
  public static double[][] backward(SearchableBlock block, double[][] branchProbs, double[] dOutcome) {
    int nb = block.branches().size();
    double[][] d = new double[nb][];
    for (int b = 0; b < nb; b++) {
      d[b] = new double[branchProbs[b].length];
    }
    for (SearchableBlock.Combo c : block.combos()) {
      double g = dOutcome[c.outcome()];
      if (g == 0) {
        continue;
      }
      for (int b = 0; b < nb; b++) {
        double others = 1;
        for (int o = 0; o < nb; o++) {
          if (o != b) {
            others *= branchProbs[o][choice(block, c, o)];
          }
        }
        d[b][choice(block, c, b)] += g * others;
      }
    }
    return d;
  }

  static int choice(SearchableBlock block, SearchableBlock.Combo c, int b) {
    return c.kernelIndex()[b] * block.branches().get(b).expansionOptions().size() + c.expansionIndex()[b];
  }
}
