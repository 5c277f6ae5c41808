package io.s3nas.report;

import java.util.List;

/**
 * The supernet's block decisions over its steps, for the report's evolution chart.
 *
 * @param blocks a name per searchable block position, in network order
 * @param outcomes per block, a label per outcome index (e.g. {@code skip}, {@code k3,5 e4,4})
 * @param outcomeMs per block, the platform latency of each outcome (the colour scale)
 * @param choices per step, the outcome index of every block
 * @param warmupSteps how many of the steps were warm-up (the chart marks where the search began)
 */
public record DecisionTrace(List<String> blocks, List<List<String>> outcomes, double[][] outcomeMs, int[][] choices,
                            int warmupSteps) {
  public static final DecisionTrace EMPTY = new DecisionTrace(List.of(), List.of(), new double[0][], new int[0][], 0);

  public DecisionTrace {
    blocks = List.copyOf(blocks);
    outcomes = List.copyOf(outcomes);
    if (outcomes.size() != blocks.size() || outcomeMs.length != blocks.size()) {
      throw new IllegalArgumentException("one outcome list and latency row per block");
    }
    for (int[] c : choices) {
      if (c.length != blocks.size()) {
        throw new IllegalArgumentException("every step needs a choice per block");
      }
    }
  }

  public boolean isEmpty() {
    return choices.length == 0 || blocks.isEmpty();
  }
}
