package io.s3nas.scaling;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.space.Architecture;
import io.s3nas.space.Cost;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

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

    /** How many candidates the grid holds. */
    public long size() {
      return (long) widths.size() * resolutions.size() * (depths.size() + depthLists.size());
    }

    /** This grid with {@code more} depth lists besides its own. */
    public Grid withDepthLists(List<List<Integer>> more) {
      List<List<Integer>> all = new ArrayList<>(depthLists);
      all.addAll(more);
      return new Grid(widths, depths, resolutions, all, filtersDivisor);
    }

    /**
     * Every depth list that adds 0 to {@code maxExtra} blocks to each stage of {@code base}, the
     * unchanged one excluded. A uniform d adds blocks to every stage at once (for stages of at most
     * four blocks, d = 1.1 adds none and d = 1.2 one to each), which leaves latency gaps a single
     * stage's extra block fills; (maxExtra + 1)^stages − 1 lists.
     */
    public static List<List<Integer>> stageIncrements(Architecture base, int maxExtra) {
      List<Integer> counts = base.spec().stages().stream().map(st -> st.spanned().size()).toList();
      List<List<Integer>> out = new ArrayList<>();
      int[] extra = new int[counts.size()];
      while (true) {
        int i = 0;
        while (i < extra.length && extra[i] == maxExtra) {
          extra[i++] = 0;
        }
        if (i == extra.length) {
          return out;
        }
        extra[i]++;
        List<Integer> l = new ArrayList<>();
        for (int s = 0; s < extra.length; s++) {
          l.add(counts.get(s) + extra[s]);
        }
        out.add(l);
      }
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
                       List<Candidate> candidates, double seconds, double verifiedMs, int verifications,
                       double checkSeconds) {}

  private ScalingSearch() {}

  public static Result run(Architecture base, LatencyModel model, double budgetMs, Size by, Grid grid) {
    return run(base, () -> model, null, budgetMs, by, grid);
  }

  public static Result run(Architecture base, LatencyModel model, LatencyModel verify, double budgetMs, Size by,
                           Grid grid) {
    return run(base, () -> model, verify, budgetMs, by, grid);
  }

  /** Choices checked on the platform at most. */
  static final int MAX_CHECKS = 4;

  /**
   * A sweep priced on {@code sweepModel} (fast: a table, or a measured platform's predicting view)
   * whose choice is checked on {@code verify} (the platform itself, measuring the chosen network's
   * parts) when given. After every check the sweep is priced again ({@code sweepModel} is asked anew:
   * a measured platform's view has learned the parts just measured). A choice the check finds over
   * the budget is dropped, the estimates are scaled by the error the new pricing still shows on it,
   * and the next choice is checked; a choice that fits but leaves more than 3% of the budget unused
   * is kept while a larger choice is tried. At most {@value #MAX_CHECKS} checks: predictions for
   * shapes far from the measured ones (wider or larger networks) can be far off in either direction.
   */
  public static Result run(Architecture base, Supplier<LatencyModel> sweepModel, LatencyModel verify, double budgetMs,
                           Size by, Grid grid) {
    long t0 = System.nanoTime();
    LatencyModel model = sweepModel.get();
    double baseMs = new FixedLatency(model).totalMs(base);
    if (baseMs > budgetMs) {
      throw new InvalidInputException("--budget-ms", null, String.format("a budget of at least the architecture's own "
          + "%.4f ms on %s (scaling only grows a network), got %.4f ms", baseMs, model.platform(), budgetMs));
    }
    List<Candidate> all = price(base, model, budgetMs, grid);
    Comparator<Candidate> larger = by == Size.MACS
        ? Comparator.comparingLong(Candidate::macs).thenComparingLong(Candidate::params)
        : Comparator.comparingLong(Candidate::params).thenComparingLong(Candidate::macs);
    Comparator<Candidate> order = larger.thenComparing(Comparator.comparingDouble(Candidate::latencyMs).reversed());
    if (verify == null) {
      Candidate best = all.stream().filter(Candidate::fits).max(order)
          .orElseThrow(() -> new InvalidInputException("--budget-ms", null, "a budget some candidate fits"));
      return new Result(best, CompoundScaler.scale(base, best.scaling()), baseMs, budgetMs, by, all,
          (System.nanoTime() - t0) / 1e9, Double.NaN, 0, 0);
    }
    double sweepSeconds = (System.nanoTime() - t0) / 1e9;
    long t1 = System.nanoTime();
    FixedLatency checked = new FixedLatency(verify);
    double correction = 1;
    Set<Scaling> rejected = new HashSet<>();
    Candidate accepted = null;
    Architecture acceptedArch = null;
    double acceptedMs = Double.NaN;
    int tries = 0;
    while (tries < MAX_CHECKS) {
      double c = correction;
      Candidate floor = accepted;
      Candidate best = all.stream().filter(x -> !rejected.contains(x.scaling()) && x.latencyMs() * c <= budgetMs
          && (floor == null || order.compare(x, floor) > 0)).max(order).orElse(null);
      if (best == null) {
        break;
      }
      tries++;
      Architecture a = CompoundScaler.scale(base, best.scaling());
      double real = checked.totalMs(a);
      if (real <= budgetMs) {
        accepted = best;
        acceptedArch = a;
        acceptedMs = real;
        if (real >= 0.97 * budgetMs) {
          break;
        }
        all = price(base, sweepModel.get(), budgetMs, grid);
        final Scaling chosen = best.scaling();
        accepted = all.stream().filter(x -> x.scaling().equals(chosen)).findFirst().orElse(best);
      } else {
        rejected.add(best.scaling());
        all = price(base, sweepModel.get(), budgetMs, grid);
        final Scaling over = best.scaling();
        double now = all.stream().filter(x -> x.scaling().equals(over)).findFirst().orElse(best).latencyMs();
        // what the sweep, priced again, still gets wrong on this shape
        correction = Math.max(correction, real / now);
        if (accepted != null) {
          final Scaling chosen = accepted.scaling();
          accepted = all.stream().filter(x -> x.scaling().equals(chosen)).findFirst().orElse(accepted);
        }
      }
    }
    if (accepted == null) {
      // every larger choice measured over: the network as searched
      accepted = all.get(0);
      acceptedArch = CompoundScaler.scale(base, accepted.scaling());
      acceptedMs = checked.totalMs(acceptedArch);
      if (acceptedMs > budgetMs) {
        throw new InvalidInputException("--budget-ms", null, String.format("a budget the platform's measurements "
            + "confirm: the architecture itself measures %.4f ms with its parts measured", acceptedMs));
      }
    }
    return new Result(accepted, acceptedArch, baseMs, budgetMs, by, all, sweepSeconds, acceptedMs, tries,
        (System.nanoTime() - t1) / 1e9);
  }

  private static List<Candidate> price(Architecture base, LatencyModel model, double budgetMs, Grid grid) {
    FixedLatency latency = new FixedLatency(model);
    List<Candidate> all = new ArrayList<>();
    for (Scaling s : grid.candidates()) {
      Architecture a = CompoundScaler.scale(base, s);
      double ms = latency.totalMs(a);
      Cost c = a.cost();
      all.add(new Candidate(s, a.spec().imgSize(), a.blocks().size(), ms, c.macs(), c.params(), ms <= budgetMs));
    }
    return all;
  }
}
