package io.s3nas.scaling;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.space.Architecture;
import io.s3nas.space.Cost;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The automatic half of method.md §8 that the reference leaves manual: enumerate (w, d, r) on a
 * grid, plus any explicit per-stage depth lists, price every scaled network on the platform, and
 * keep the largest one — by MACs or by parameters — whose estimated latency fits the budget (ties:
 * the faster one).
 */
public final class ScalingSearch {
  /** What "largest" means. */
  public enum Size { MACS, PARAMS }

  /** The grid: every combination of the listed coefficients, and every depth list with every (w, r). */
  public record Grid(List<Double> widths, List<Double> depths, List<Double> resolutions, List<List<Integer>> depthLists,
                     int filtersDivisor) {
    public Grid {
      widths = List.copyOf(widths);
      depths = List.copyOf(depths);
      resolutions = List.copyOf(resolutions);
      depthLists = List.copyOf(depthLists);
    }

    /** w and r in 1.0..2.0 and d in 1.0..3.0, steps 0.05, 0.1 and 0.05: 21 × 21 × 21 = 9,261 candidates. */
    public static Grid standard() {
      return new Grid(steps(1.0, 2.0, 0.05), steps(1.0, 3.0, 0.1), steps(1.0, 2.0, 0.05), List.of(), 8);
    }

    public static List<Double> steps(double from, double to, double step) {
      List<Double> out = new ArrayList<>();
      for (int i = 0; from + i * step <= to + 1e-9; i++) {
        out.add(Math.round((from + i * step) * 1e6) / 1e6);
      }
      return out;
    }

    List<Scaling> candidates() {
      List<Scaling> out = new ArrayList<>();
      for (double w : widths) {
        for (double r : resolutions) {
          for (double d : depths) {
            out.add(new Scaling(w, d, null, r, filtersDivisor, 4));
          }
          for (List<Integer> dl : depthLists) {
            out.add(new Scaling(w, 1, dl, r, filtersDivisor, 4));
          }
        }
      }
      return out;
    }
  }

  /** One priced candidate. */
  public record Candidate(Scaling scaling, int imgSize, int blocks, double latencyMs, long macs, long params,
                          boolean fits) {}

  /** The choice and the evidence; {@code verifiedMs} is NaN when the choice was not verified. */
  public record Result(Candidate chosen, Architecture architecture, double baseMs, double budgetMs, Size by,
                       List<Candidate> candidates, double seconds, double verifiedMs, int verifications) {}

  private ScalingSearch() {}

  public static Result run(Architecture base, LatencyModel model, double budgetMs, Size by, Grid grid) {
    return run(base, model, null, budgetMs, by, grid);
  }

  /**
   * A sweep priced on {@code model} (fast: a table, or a measured platform's predicting view) whose
   * choice is checked on {@code verify} (the platform itself, measuring the chosen network's parts)
   * when given. A choice the check finds over the budget is dropped, the sweep's estimates are
   * scaled by the error it showed, and the next choice is checked, up to eight times: predictions
   * for shapes far from the measured ones (wider or larger networks) can be far off.
   */
  public static Result run(Architecture base, LatencyModel model, LatencyModel verify, double budgetMs, Size by,
                           Grid grid) {
    long t0 = System.nanoTime();
    FixedLatency latency = new FixedLatency(model);
    double baseMs = latency.totalMs(base);
    if (baseMs > budgetMs) {
      throw new InvalidInputException("--budget-ms", null, String.format("a budget of at least the architecture's own "
          + "%.4f ms on %s (scaling only grows a network), got %.4f ms", baseMs, model.platform(), budgetMs));
    }
    List<Candidate> all = new ArrayList<>();
    for (Scaling s : grid.candidates()) {
      Architecture a = CompoundScaler.scale(base, s);
      double ms = latency.totalMs(a);
      Cost c = a.cost();
      all.add(new Candidate(s, a.spec().imgSize(), a.blocks().size(), ms, c.macs(), c.params(), ms <= budgetMs));
    }
    Comparator<Candidate> larger = by == Size.MACS
        ? Comparator.comparingLong(Candidate::macs).thenComparingLong(Candidate::params)
        : Comparator.comparingLong(Candidate::params).thenComparingLong(Candidate::macs);
    Comparator<Candidate> order = larger.thenComparing(Comparator.comparingDouble(Candidate::latencyMs).reversed());
    if (verify == null) {
      Candidate best = all.stream().filter(Candidate::fits).max(order)
          .orElseThrow(() -> new InvalidInputException("--budget-ms", null, "a budget some candidate fits"));
      return new Result(best, CompoundScaler.scale(base, best.scaling()), baseMs, budgetMs, by, all,
          (System.nanoTime() - t0) / 1e9, Double.NaN, 0);
    }
    FixedLatency checked = new FixedLatency(verify);
    double correction = 1;
    java.util.Set<Candidate> rejected = new java.util.HashSet<>();
    for (int tries = 1; tries <= 8; tries++) {
      double c = correction;
      Candidate best = all.stream().filter(x -> !rejected.contains(x) && x.latencyMs() * c <= budgetMs).max(order)
          .orElse(all.get(0));
      Architecture a = CompoundScaler.scale(base, best.scaling());
      double real = checked.totalMs(a);
      if (real <= budgetMs || best == all.get(0)) {
        return new Result(best, a, baseMs, budgetMs, by, all, (System.nanoTime() - t0) / 1e9, real, tries);
      }
      rejected.add(best);
      correction = Math.max(correction, real / best.latencyMs());
    }
    throw new InvalidInputException("--budget-ms", null, "a budget the platform's measurements confirm; eight "
        + "choices estimated within it measured over it");
  }
}
