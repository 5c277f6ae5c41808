package io.s3nas.search;

import io.s3nas.latency.NetworkLatency;
import io.s3nas.space.Architecture;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The decision state of a whole supernet: one {@link BranchSuperkernel} per branch of every
 * searchable block, their joint outcome probabilities, the differentiable expected latency
 * (docs/method.md §5.1) and its gradient back to every branch, and the derived architecture (§7: the
 * hard decision of the final step, one outcome per block, skipped blocks deleted).
 */
public final class SupernetDecisions {
  private final SearchSpace space;
  private final List<List<BranchSuperkernel>> kernels = new ArrayList<>();

  /** One forward pass: per block, per branch, the superkernel pass; per block the outcome probabilities. */
  public record Pass(List<List<BranchSuperkernel.Forward>> branches, double[][] outcomeProbs) {}

  public SupernetDecisions(SearchSpace space) {
    this.space = space;
    for (SearchableBlock b : space.blocks()) {
      List<BranchSuperkernel> ks = new ArrayList<>();
      int in = b.superArgs().inputFilters();
      int fanIn = b.superArgs().type().fused() ? in : 1;
      b.branches().forEach(br -> ks.add(new BranchSuperkernel(br, in, fanIn)));
      kernels.add(ks);
    }
  }

  public SearchSpace space() {
    return space;
  }

  public BranchSuperkernel kernel(int block, int branch) {
    return kernels.get(block).get(branch);
  }

  public int thresholdCount() {
    return kernels.stream().flatMap(List::stream).mapToInt(BranchSuperkernel::thresholdCount).sum();
  }

  /** {@code weights.get(block).get(branch)} are the branch's superkernel weights. */
  public Pass forward(List<List<float[]>> weights, IndicatorMode mode, Random dropout, boolean scaleKept) {
    List<List<BranchSuperkernel.Forward>> all = new ArrayList<>();
    double[][] outcome = new double[space.blocks().size()][];
    for (SearchableBlock b : space.blocks()) {
      List<BranchSuperkernel.Forward> fs = new ArrayList<>();
      double[][] bp = new double[b.branches().size()][];
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel.Forward f = kernel(b.index(), i).forward(weights.get(b.index()).get(i), mode, dropout, scaleKept);
        fs.add(f);
        bp[i] = f.probabilities();
      }
      all.add(fs);
      outcome[b.index()] = OutcomeProbabilities.forward(b, bp);
    }
    return new Pass(all, outcome);
  }

  public double expectedLatency(NetworkLatency latency, Pass p) {
    return latency.expected(p.outcomeProbs());
  }

  /**
   * ∂loss/∂P_b for every block and branch, where loss is the latency term at the pass's expected
   * latency: ∂loss/∂P(o) = loss'(L) · LUT(o), then through the branch combinations.
   */
  public double[][][] latencyGradient(NetworkLatency latency, Pass p, LatencyLoss loss) {
    return expectedLatencyGradient(latency, p, loss.gradient(latency.expected(p.outcomeProbs())));
  }

  /** {@code dl} · ∂E[L]/∂P_b for every block and branch (dl = 1: the expected latency's own gradient, in ms). */
  public double[][][] expectedLatencyGradient(NetworkLatency latency, Pass p, double dl) {
    double[][][] out = new double[space.blocks().size()][][];
    for (SearchableBlock b : space.blocks()) {
      int nb = b.branches().size();
      if (nb == 0) {
        out[b.index()] = new double[0][];
        continue;
      }
      double[] dOutcome = latency.outcomeMs(b.index());
      for (int o = 0; o < dOutcome.length; o++) {
        dOutcome[o] *= dl;
      }
      double[][] bp = new double[nb][];
      for (int i = 0; i < nb; i++) {
        bp[i] = p.branches().get(b.index()).get(i).probabilities();
      }
      out[b.index()] = OutcomeProbabilities.backward(b, bp, dOutcome);
    }
    return out;
  }

  /** The outcome index of each block under hard indicators (the most probable one otherwise). */
  public int[] derive(Pass p) {
    int[] c = new int[space.blocks().size()];
    for (int b = 0; b < c.length; b++) {
      double[] pr = p.outcomeProbs()[b];
      int best = 0;
      for (int o = 1; o < pr.length; o++) {
        if (pr[o] > pr[best]) {
          best = o;
        }
      }
      c[b] = best;
    }
    return c;
  }

  public Architecture architecture(Pass p) {
    return space.architecture(derive(p));
  }
}
