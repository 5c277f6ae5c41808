package io.s3nas.search;

import io.s3nas.latency.NetworkLatency;
import io.s3nas.space.BlockOutcome;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Architectures of the supernet chosen without looking at data, to measure what the search's use of
 * accuracy is worth (docs/search-quality.md).
 *
 * <ul>
 *   <li>{@link #greedy}: a latency-greedy rule. From the slowest architecture, repeatedly make the
 *       one reduction — drop a branch's channel group, or shrink a branch's kernel to the next
 *       smaller option — that saves the most latency per unit of depthwise kernel area removed
 *       (Σ k²·e), until the target is met. It is what a search that only follows the latency term
 *       would do.</li>
 *   <li>{@link #random}: architectures drawn uniformly (each block's outcome independently) and kept
 *       when their estimate is within a tolerance of a latency: the paper's "random selection".</li>
 * </ul>
 */
public final class Baselines {
  private Baselines() {}

  /** The latency-greedy choice for {@code targetMs} (the fastest architecture if it cannot be met). */
  public static int[] greedy(SearchSpace space, NetworkLatency latency, double targetMs) {
    int n = space.blocks().size();
    int[] choice = new int[n];
    for (int b = 0; b < n; b++) {
      double[] ms = latency.outcomeMs(b);
      int slowest = 0;
      for (int o = 1; o < ms.length; o++) {
        if (ms[o] > ms[slowest]) {
          slowest = o;
        }
      }
      choice[b] = slowest;
    }
    while (latency.estimate(choice) > targetMs) {
      int bestBlock = -1;
      int bestOutcome = -1;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int b = 0; b < n; b++) {
        SearchableBlock sb = space.blocks().get(b);
        BlockOutcome cur = sb.outcomes().get(choice[b]);
        double curMs = latency.outcomeMs(b, choice[b]);
        for (BlockOutcome next : reductions(cur)) {
          int o = sb.outcomes().indexOf(next);
          if (o < 0) {
            continue; // not allowed here (a mandatory branch, a block that cannot be skipped)
          }
          double saved = curMs - latency.outcomeMs(b, o);
          double area = area(cur) - area(next);
          if (saved > 0 && area > 0 && saved / area > bestScore) {
            bestScore = saved / area;
            bestBlock = b;
            bestOutcome = o;
          }
        }
      }
      if (bestBlock < 0) {
        break;
      }
      choice[bestBlock] = bestOutcome;
    }
    return choice;
  }

  /** Depthwise kernel area per input channel: Σ k²·e over the outcome's kernels. */
  static int area(BlockOutcome o) {
    int a = 0;
    for (int i = 0; i < o.kernels().size(); i++) {
      a += o.kernels().get(i) * o.kernels().get(i) * o.expansions().get(i);
    }
    return a;
  }

  /** Every outcome one step smaller: one channel group (e − 2) fewer, or one kernel two smaller. */
  static List<BlockOutcome> reductions(BlockOutcome o) {
    List<BlockOutcome> out = new ArrayList<>();
    for (int i = 0; i < o.kernels().size(); i++) {
      List<Integer> k = new ArrayList<>(o.kernels());
      List<Integer> e = new ArrayList<>(o.expansions());
      if (e.get(i) > 2) {
        e.set(i, e.get(i) - 2);
      } else {
        k.remove(i);
        e.remove(i);
      }
      out.add(simplified(k, e));
      if (o.kernels().get(i) > 3) {
        List<Integer> k2 = new ArrayList<>(o.kernels());
        k2.set(i, k2.get(i) - 2);
        out.add(simplified(k2, o.expansions()));
      }
    }
    return out;
  }

  /** Equal kernels merged (channels summed), sorted ascending (docs/method.md §3). */
  private static BlockOutcome simplified(List<Integer> kernels, List<Integer> expansions) {
    java.util.TreeMap<Integer, Integer> m = new java.util.TreeMap<>();
    for (int i = 0; i < kernels.size(); i++) {
      m.merge(kernels.get(i), expansions.get(i), Integer::sum);
    }
    return new BlockOutcome(new ArrayList<>(m.keySet()), new ArrayList<>(m.values()));
  }

  /**
   * {@code count} uniformly drawn architectures whose estimate is within {@code tolerance} (relative)
   * of {@code ms}, distinct, from {@code seed}; fewer when {@code maxDraws} draws do not find them.
   */
  public static List<int[]> random(SearchSpace space, NetworkLatency latency, double ms, double tolerance, int count,
                                   long seed, long maxDraws) {
    Random r = new Random(seed);
    List<int[]> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (long d = 0; d < maxDraws && out.size() < count; d++) {
      int[] c = new int[space.blocks().size()];
      for (SearchableBlock b : space.blocks()) {
        c[b.index()] = r.nextInt(b.outcomes().size());
      }
      double est = latency.estimate(c);
      if (Math.abs(est / ms - 1) <= tolerance && seen.add(java.util.Arrays.toString(c))) {
        out.add(c);
      }
    }
    return out;
  }
}
