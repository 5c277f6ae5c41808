package io.s3nas.scaling;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.MeasurementGate;
import io.s3nas.space.Architecture;
import io.s3nas.space.Cost;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The automatic half of docs/method.md §8 that the reference leaves manual: enumerate (w, d, r) on
 * a grid, plus any explicit per-stage depth lists, price every scaled network on the platform, and
 * keep the largest one — by MACs or by parameters — that fits the budget (ties: the faster one):
 * measured as a whole network where the platform can be measured, with its estimate's uncertainty
 * where it cannot.
 */
public final class ScalingSearch {
  /** What "largest" means. */
  public enum Size { MACS, PARAMS }

  /**
   * The grid: every combination of the listed coefficients, and every depth list with every (w, r);
   * candidates above {@code maxMacs} multiply-adds never fit (a training-time limit).
   */
  public record Grid(List<Double> widths, List<Double> depths, List<Double> resolutions, List<List<Integer>> depthLists,
                     int filtersDivisor, long maxMacs) {
    public Grid(List<Double> widths, List<Double> depths, List<Double> resolutions, List<List<Integer>> depthLists,
                int filtersDivisor) {
      this(widths, depths, resolutions, depthLists, filtersDivisor, Long.MAX_VALUE);
    }

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

    /**
     * Shrinking, for a network measured over its budget: w and r from 0.5 to 1 in steps of 0.05,
     * depths unchanged (the search chose them).
     */
    public static Grid shrinking(int filtersDivisor) {
      return new Grid(steps(0.5, 1.0, 0.05), List.of(1.0), steps(0.5, 1.0, 0.05), List.of(), filtersDivisor);
    }

    /** How many candidates the grid holds. */
    public long size() {
      return (long) widths.size() * resolutions.size() * (depths.size() + depthLists.size());
    }

    /** This grid with {@code more} depth lists besides its own. */
    public Grid withDepthLists(List<List<Integer>> more) {
      List<List<Integer>> all = new ArrayList<>(depthLists);
      all.addAll(more);
      return new Grid(widths, depths, resolutions, all, filtersDivisor, maxMacs);
    }

    /** This grid with candidates above {@code macs} multiply-adds refused. */
    public Grid withMaxMacs(long macs) {
      return new Grid(widths, depths, resolutions, depthLists, filtersDivisor, macs);
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

  /** Whole networks measured on the platform, in the table's units (drift-corrected). */
  @FunctionalInterface
  public interface Checker {
    double[] measure(List<Architecture> archs);
  }

  /**
   * A candidate the check settled: its sweep estimate and its measured latency, or (gated, {@code call}
   * not {@code MEASURE}) NaN where the gate trusted the estimate.
   */
  public record Measurement(Scaling scaling, double estimatedMs, double measuredMs, int round,
                            MeasurementGate.Call call) {
    public boolean trusted() {
      return call != MeasurementGate.Call.MEASURE;
    }
  }

  /**
   * The choice and the evidence. {@code measuredMs} is the chosen network's measurement (NaN when the
   * platform cannot be measured, or the gate trusted its estimate); {@code bandMs} the uncertainty of
   * its estimate (NaN when unknown); {@code limitMs} what the choice had to fit: the budget less its
   * margin where measured, the budget less the band where estimated; {@code count} the networks
   * measured against those the measure-everything policy would have measured at the same decisions.
   */
  public record Result(Candidate chosen, Architecture architecture, double baseMs, double budgetMs, Size by,
                       List<Candidate> candidates, double seconds, double measuredMs, List<Measurement> measurements,
                       double checkSeconds, double bandMs, double limitMs, MeasurementGate.Count count) {
    public Result {
      measurements = List.copyOf(measurements);
    }
  }

  private ScalingSearch() {}

  public static Result run(Architecture base, LatencyModel model, double budgetMs, Size by, Grid grid) {
    return run(base, model, null, 0, null, budgetMs, by, grid);
  }

  /** Networks measured together in one check round: the largest few that the corrected estimates fit. */
  static final int PER_ROUND = 3;

  /** Check rounds at most: after them the largest network measured within the limit is kept. */
  static final int MAX_ROUNDS = 4;

  /**
   * The sweep, priced on {@code model} (a table, or a measured platform's predicting view: fast),
   * then, where the platform can be measured ({@code check} given), the largest candidates
   * measured as whole networks, a few per round, until one measures within the budget less
   * {@code margin} of it. After each round the estimates are corrected by the worst ratio of
   * measured to estimated seen on networks that did not fit (or, when all fitted, by their median
   * ratio, to look for a larger one), at most {@value #MAX_ROUNDS} rounds. The base network is
   * measured in the first round; if even it is over the limit, the network is shrunk (w and r
   * below 1) instead of grown. Without a check, a candidate must fit with its uncertainty band
   * ({@code band}, ms for an architecture and its estimate; null: none known): the upper edge of
   * the band stays within the budget. With a check and a band, a measured candidate fits only when
   * the lower edge of its estimate's band is within the limit as well (two opinions must agree).
   */
  public static Result run(Architecture base, LatencyModel model, Checker check, double margin,
                           java.util.function.ToDoubleBiFunction<Architecture, Double> band, double budgetMs, Size by,
                           Grid grid) {
    return run(base, model, check, margin, band, budgetMs, by, grid, MeasurementGate.all());
  }

  /**
   * As above, with the {@code gate} deciding which of each round's candidates are measured
   * (docs/latency.md, "Measurement only where it matters"): one whose estimate ± the gate's band
   * lies within the limit is trusted to fit, one wholly above it trusted not to, and only the
   * others are measured; the estimates the gate judges are corrected by the round's correction (the
   * measurements so far). Trusted candidates take part in the choice but not in the correction,
   * which only measurements can make.
   */
  public static Result run(Architecture base, LatencyModel model, Checker check, double margin,
                           java.util.function.ToDoubleBiFunction<Architecture, Double> band, double budgetMs, Size by,
                           Grid grid, MeasurementGate gate) {
    long t0 = System.nanoTime();
    double baseMs = new FixedLatency(model).totalMs(base);
    List<Candidate> all = price(base, model, budgetMs, grid);
    Comparator<Candidate> larger = by == Size.MACS
        ? Comparator.comparingLong(Candidate::macs).thenComparingLong(Candidate::params)
        : Comparator.comparingLong(Candidate::params).thenComparingLong(Candidate::macs);
    Comparator<Candidate> order = larger.thenComparing(Comparator.comparingDouble(Candidate::latencyMs).reversed());
    if (check == null) {
      Result r = fitWithBand(base, all, order, band, budgetMs, baseMs, by, t0);
      if (r == null) {
        // the network as searched is over: shrink it (w, r below 1) on the estimates
        List<Candidate> shrunk = price(base, model, budgetMs, Grid.shrinking(grid.filtersDivisor()));
        r = fitWithBand(base, shrunk, order, band, budgetMs, baseMs, by, t0);
        if (r == null) {
          throw new InvalidInputException("budget-ms", null, String.format(java.util.Locale.ROOT, "a budget some "
              + "scaling of the network fits: it is %.4f ms on %s, and shrunk (w and r down to 0.5) still above the "
              + "%.4f ms budget with its uncertainty; search at a lower target or give a larger budget", baseMs,
              model.platform(), budgetMs));
        }
      }
      return r;
    }
    double sweepSeconds = (System.nanoTime() - t0) / 1e9;
    long t1 = System.nanoTime();
    double limit = budgetMs * (1 - margin);
    List<Measurement> measured = new ArrayList<>();
    Map<Scaling, Double> byScaling = new HashMap<>(); // settled: measured ms, or NaN where trusted
    Candidate accepted = null;
    double acceptedMs = Double.NaN;
    double correction = 1;
    boolean shrinking = false;
    int made = 0;
    int wouldMake = 0;
    Candidate baseCandidate = price(base, model, budgetMs, new Grid(List.of(1.0), List.of(1.0), List.of(1.0), List.of(),
        grid.filtersDivisor())).get(0);
    for (int round = 1; round <= MAX_ROUNDS; round++) {
      double c = correction;
      Candidate floor = accepted;
      long maxMacs = shrinking ? Long.MAX_VALUE : grid.maxMacs();
      // (a candidate whose estimate contradicts any fitting measurement is not worth measuring)
      List<Candidate> pick = new ArrayList<>(all.stream().filter(x -> !byScaling.containsKey(x.scaling())
          && x.latencyMs() * c <= limit && x.macs() <= maxMacs && (floor == null || order.compare(x, floor) > 0)
          && estimateAgrees(base, x, band, limit)).sorted(order.reversed()).limit(PER_ROUND).toList());
      if (round == 1 && !shrinking && !pick.contains(baseCandidate)) {
        pick.add(baseCandidate);
      }
      if (pick.isEmpty()) {
        break;
      }
      // the gate judges each estimate as corrected by this check's measurements so far: a base measured
      // 15% above its estimate makes every candidate's estimate 15% low too
      List<MeasurementGate.Call> calls = pick.stream().map(x -> gate.decide(x.latencyMs() * c, limit)).toList();
      List<Candidate> toMeasure = new ArrayList<>();
      for (int i = 0; i < pick.size(); i++) {
        if (calls.get(i) == MeasurementGate.Call.MEASURE) {
          toMeasure.add(pick.get(i));
        }
      }
      double[] ms = toMeasure.isEmpty() ? new double[0]
          : check.measure(toMeasure.stream().map(x -> CompoundScaler.scale(base, x.scaling())).toList());
      made += toMeasure.size();
      wouldMake += pick.size();
      double worstOver = 0;
      List<Double> ratios = new ArrayList<>();
      boolean baseOver = false;
      for (int i = 0, j = 0; i < pick.size(); i++) {
        Candidate x = pick.get(i);
        MeasurementGate.Call call = calls.get(i);
        double m = call == MeasurementGate.Call.MEASURE ? ms[j++] : Double.NaN;
        measured.add(new Measurement(x.scaling(), x.latencyMs(), m, round, call));
        byScaling.put(x.scaling(), m);
        boolean measuredFits = call == MeasurementGate.Call.MEASURE && m <= limit;
        boolean fits = call == MeasurementGate.Call.MEASURE ? measuredFits && estimateAgrees(base, x, band, limit)
            : call == MeasurementGate.Call.TRUSTED_WITHIN;
        if (call == MeasurementGate.Call.MEASURE) {
          ratios.add(m / x.latencyMs());
        }
        if (fits && (accepted == null || order.compare(x, accepted) > 0)) {
          accepted = x;
          acceptedMs = m;
        } else if (call == MeasurementGate.Call.MEASURE && !measuredFits) {
          worstOver = Math.max(worstOver, m / x.latencyMs());
        }
        if (x.scaling().equals(baseCandidate.scaling())) {
          baseOver = !fits;
        }
      }
      if (round == 1 && !shrinking && baseOver) {
        // the network as searched is over: shrink it instead (w, r below 1), estimates corrected
        // by its measurement (a base trusted over leaves them as they are)
        shrinking = true;
        double settled = byScaling.get(baseCandidate.scaling());
        correction = Double.isNaN(settled) ? 1 : settled / baseCandidate.latencyMs();
        accepted = null;
        all = price(base, model, budgetMs, Grid.shrinking(grid.filtersDivisor()));
        continue;
      }
      if (accepted != null && acceptedMs >= 0.97 * limit) {
        break;
      }
      if (!ratios.isEmpty()) {
        ratios.sort(Double::compare);
        correction = worstOver > 0 ? Math.max(correction, worstOver) : ratios.get(ratios.size() / 2);
      }
    }
    if (accepted == null) {
      Double baseMeasured = byScaling.get(baseCandidate.scaling());
      String baseText = baseMeasured == null || Double.isNaN(baseMeasured)
          ? String.format(java.util.Locale.ROOT, "is estimated at %.4f ms", baseCandidate.latencyMs())
          : String.format(java.util.Locale.ROOT, "measures %.4f ms", baseMeasured);
      double least = measured.stream().filter(x -> !x.trusted()).mapToDouble(Measurement::measuredMs).min()
          .orElse(Double.NaN);
      throw new InvalidInputException("budget-ms", null, String.format(java.util.Locale.ROOT, "a budget this machine "
          + "can meet: the network %s%s, above the %.4f ms it must fit (the %.4f ms budget less its "
          + "%.0f%% margin); search at a lower target or give a larger budget", baseText, shrinking && !Double.isNaN(least)
              ? String.format(java.util.Locale.ROOT, " and %.4f ms at best shrunk (w and r down to 0.5)", least) : "",
          limit, budgetMs, 100 * margin));
    }
    return new Result(accepted, CompoundScaler.scale(base, accepted.scaling()), baseMs, budgetMs, by, all,
        sweepSeconds, acceptedMs, measured, (System.nanoTime() - t1) / 1e9, Double.NaN, limit,
        new MeasurementGate.Count(made, wouldMake));
  }

  /**
   * Whether the estimate does not contradict a measurement that fits: its lower band edge lies within
   * the limit too. A measurement session of this machine can run several percent low against the
   * estimate, and later sessions then find the network over its budget (docs/latency.md, "Two
   * opinions"); when the two disagree beyond the estimate's band, the candidate does not fit.
   * Without a band (null, or NaN) the measurement decides alone.
   */
  private static boolean estimateAgrees(Architecture base, Candidate x,
                                        java.util.function.ToDoubleBiFunction<Architecture, Double> band, double limit) {
    if (band == null || x.latencyMs() <= limit) {
      return true; // (a band is never negative: only an estimate above the limit can disagree)
    }
    double b = band.applyAsDouble(CompoundScaler.scale(base, x.scaling()), x.latencyMs());
    return Double.isNaN(b) || x.latencyMs() - b <= limit;
  }

  /** The largest candidate whose estimate plus band fits, or null. */
  private static Result fitWithBand(Architecture base, List<Candidate> all, Comparator<Candidate> order,
                                    java.util.function.ToDoubleBiFunction<Architecture, Double> band, double budgetMs,
                                    double baseMs, Size by, long t0) {
    List<Candidate> fitting = new ArrayList<>(all.stream().filter(Candidate::fits).sorted(order.reversed()).toList());
    for (Candidate c : fitting) {
      Architecture a = CompoundScaler.scale(base, c.scaling());
      double b = band == null ? 0 : band.applyAsDouble(a, c.latencyMs());
      if (Double.isNaN(b) || c.latencyMs() + b <= budgetMs) {
        return new Result(c, a, baseMs, budgetMs, by, all, (System.nanoTime() - t0) / 1e9, Double.NaN, List.of(), 0, b,
            Double.isNaN(b) ? budgetMs : budgetMs - b, MeasurementGate.Count.NONE);
      }
    }
    return null;
  }

  private static List<Candidate> price(Architecture base, LatencyModel model, double budgetMs, Grid grid) {
    FixedLatency latency = new FixedLatency(model);
    List<Candidate> all = new ArrayList<>();
    for (Scaling s : grid.candidates()) {
      Architecture a = CompoundScaler.scale(base, s);
      double ms = latency.totalMs(a);
      Cost c = a.cost();
      all.add(new Candidate(s, a.spec().imgSize(), a.blocks().size(), ms, c.macs(), c.params(),
          ms <= budgetMs && c.macs() <= grid.maxMacs()));
    }
    return all;
  }
}
