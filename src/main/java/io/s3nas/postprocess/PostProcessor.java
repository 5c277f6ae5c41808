package io.s3nas.postprocess;

import io.s3nas.data.Augmentation;
import io.s3nas.data.Batch;
import io.s3nas.data.BatchStream;
import io.s3nas.data.Dataset;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.StageSpec;
import io.s3nas.train.TrainedModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Post-processing (docs/method.md §9), automatic and with its evidence. Each candidate change is
 * priced on the platform ({@link LatencyCost}: measured where the platform can be, else estimated
 * with its uncertainty) and probed for accuracy against the unchanged base on the same held-out
 * images ({@link Probe}: the caller trains both from one learned starting point under the same
 * batches). A change is kept only when the lower end of the 95% interval of its paired gain clears
 * the {@link DecisionRule}; a change whose interval straddles the rule is "undecided" and stays off,
 * and when the base itself has not learned (its held-out top-1 below {@code minTop1}) nothing is
 * decided at all. Kept changes are applied best gain per percent of latency first while the whole
 * network, priced again, stays within the budget; then rmSE ranks the SE blocks by the spread of
 * their excitations over sample images and removes SE where it is nearly constant.
 */
public final class PostProcessor {
  /** A probe's outcome: which held-out images the trained network classifies right, and the network. */
  public record Probe(boolean[] correct, TrainedModel model) {
    public double top1() {
      int ok = 0;
      for (boolean c : correct) {
        ok += c ? 1 : 0;
      }
      return (double) ok / correct.length;
    }
  }

  /** What became of a change. */
  public enum Verdict { KEPT, REJECTED, UNDECIDED, OVER_BUDGET }

  /** One change's evidence and verdict ({@code gain} null when it was not probed). */
  public record Decision(Change change, LatencyCost.Value cost, double baseTop1, double top1, PairedGain gain,
                         double latencyPercent, Verdict verdict, String reason) {
    public boolean kept() {
      return verdict == Verdict.KEPT;
    }
  }

  /** An SE block's rmSE value. */
  public record SeRank(int block, double meanStd, boolean removed) {}

  /** Everything decided; {@code finalCost} prices the result against the base. */
  public record Result(Architecture result, double baseTop1, double minTop1, double budgetMs, double limitMs,
                       List<Decision> decisions, List<SeRank> seRanking, DecisionRule rule, double rmSeRelative,
                       LatencyCost.Value finalCost) {}

  private PostProcessor() {}

  /**
   * @param probe trains an architecture from the common starting point and evaluates it on the
   *     held-out images (the same images, in the same order, for every architecture)
   * @param limitMs what the result must fit: the budget less its margin (measured), or less the
   *     estimate's band (estimated)
   * @param minTop1 the base's held-out top-1 below which nothing is decided
   * @param samples images for rmSE (null: no rmSE)
   * @param rmSeRelative SE is removed where its value is below this share of the median block's
   */
  public static Result run(Architecture base, List<Change> changes, LatencyCost cost, double budgetMs, double limitMs,
                           DecisionRule rule, double minTop1, Function<Architecture, Probe> probe, Dataset samples,
                           double rmSeRelative) {
    if (changes.isEmpty()) {
      return new Result(base, Double.NaN, minTop1, budgetMs, limitMs, List.of(), List.of(), rule, rmSeRelative,
          cost.of(base, base));
    }
    Probe b = probe.apply(base);
    List<Decision> decisions = new ArrayList<>();
    Map<Change, Probe> probes = new LinkedHashMap<>();
    for (Change c : changes) {
      Architecture cand = c.apply(base);
      LatencyCost.Value v = cost.of(base, cand);
      double pct = 100 * v.deltaMs() / v.baseMs();
      if (b.top1() < minTop1) {
        decisions.add(new Decision(c, v, b.top1(), Double.NaN, null, pct, Verdict.UNDECIDED, String.format(Locale.ROOT,
            "undecided: the base reached %.1f%% on the probe images, below the %.1f%% a probe must reach to tell "
                + "anything; kept off", 100 * b.top1(), 100 * minTop1)));
        continue;
      }
      Probe p = probe.apply(cand);
      probes.put(c, p);
      PairedGain g = PairedGain.of(b.correct(), p.correct());
      String interval = String.format(Locale.ROOT, "gain %+.2f points, 95%% interval [%+.2f, %+.2f], for %+.1f%% "
          + "latency", g.points(), g.lowerPoints(), g.upperPoints(), pct);
      Verdict verdict = rule.clears(g, pct) ? Verdict.KEPT : rule.fails(g, pct) ? Verdict.REJECTED : Verdict.UNDECIDED;
      String reason = switch (verdict) {
        case KEPT -> "pays: " + interval;
        case REJECTED -> "does not pay: " + interval;
        default -> "undecided (the interval straddles the rule); kept off: " + interval;
      };
      decisions.add(new Decision(c, v, b.top1(), p.top1(), g, pct, verdict, reason));
    }
    // apply the paying changes, best gain per percent of latency first, while the whole network fits
    List<Decision> order = new ArrayList<>(decisions.stream().filter(Decision::kept).toList());
    order.sort(Comparator.comparingDouble((Decision d) -> -d.gain().points() / Math.max(1e-6, d.latencyPercent())));
    Architecture result = base;
    LatencyCost.Value finalCost = cost.of(base, base);
    Map<Change, Decision> verdicts = new LinkedHashMap<>();
    for (Decision d : order) {
      Architecture next = d.change().apply(result);
      LatencyCost.Value v = cost.of(base, next);
      boolean agrees = cost.estimateAgrees(next, limitMs);
      if (v.candidateMs() + v.uncertaintyMs() <= limitMs && agrees) {
        result = next;
        finalCost = v;
        verdicts.put(d.change(), d);
      } else {
        verdicts.put(d.change(), new Decision(d.change(), d.cost(), d.baseTop1(), d.top1(), d.gain(),
            d.latencyPercent(), Verdict.OVER_BUDGET, agrees ? String.format(Locale.ROOT, "pays, but the network would "
                + "be %.4f ms (± %.4f), over the %.4f ms it must fit", v.candidateMs(), v.uncertaintyMs(), limitMs)
                : String.format(Locale.ROOT, "pays, but the network's estimate, %.4f ms less its band, is over the "
                    + "%.4f ms it must fit, whatever one measurement said (%.4f ms)", cost.estimateMs(next), limitMs,
                    v.candidateMs())));
      }
    }
    List<Decision> recorded = decisions.stream().map(d -> verdicts.getOrDefault(d.change(), d)).toList();
    List<SeRank> ranking = new ArrayList<>();
    if (samples != null) {
      for (Decision d : recorded) {
        if (d.kept() && d.change().kind() == Change.Kind.SE) {
          ranking.addAll(rankSe(probes.get(d.change()).model(), samples, rmSeRelative));
        }
      }
      ranking.sort(Comparator.comparingDouble(SeRank::meanStd));
      if (!ranking.isEmpty()) {
        ranking = mark(ranking, rmSeRelative);
        Architecture trimmed = removeSe(result, ranking);
        if (trimmed != result) {
          result = trimmed;
          finalCost = cost.of(base, result);
        }
      }
    }
    return new Result(result, b.top1(), minTop1, budgetMs, limitMs, recorded, ranking, rule, rmSeRelative, finalCost);
  }

  /** rmSE (docs/method.md §9): per SE block, the mean over channels of the excitation's std across images. */
  static List<SeRank> rankSe(TrainedModel m, Dataset samples, double relative) {
    FinalNet net = m.toNet(2);
    BatchStream s = new BatchStream(samples, Math.min(64, samples.size()), 0, m.normalization(), Augmentation.NONE);
    Map<Integer, double[]> sum = new LinkedHashMap<>();
    Map<Integer, double[]> sq = new LinkedHashMap<>();
    int n = 0;
    for (int k = 0; k < s.sequentialBatches(); k++) {
      Batch b = s.sequential(k);
      net.forward(b.nhwc(), b.size(), false, null);
      for (Map.Entry<Integer, float[]> e : net.excitations().entrySet()) {
        float[] g = e.getValue();
        int ch = g.length / b.size();
        double[] su = sum.computeIfAbsent(e.getKey(), x -> new double[ch]);
        double[] q = sq.computeIfAbsent(e.getKey(), x -> new double[ch]);
        for (int i = 0; i < b.size(); i++) {
          for (int c = 0; c < ch; c++) {
            double v = g[i * ch + c];
            su[c] += v;
            q[c] += v * v;
          }
        }
      }
      n += b.size();
    }
    List<SeRank> out = new ArrayList<>();
    for (int block : sum.keySet()) {
      double[] su = sum.get(block);
      double[] q = sq.get(block);
      double mean = 0;
      for (int c = 0; c < su.length; c++) {
        double mu = su[c] / n;
        mean += Math.sqrt(Math.max(0, q[c] / n - mu * mu)) / su.length;
      }
      out.add(new SeRank(block, mean, false));
    }
    out.sort(Comparator.comparingDouble(SeRank::meanStd));
    return mark(out, relative);
  }

  /** Marks for removal the blocks whose value is below {@code relative} × the median's. */
  static List<SeRank> mark(List<SeRank> sorted, double relative) {
    double median = sorted.get(sorted.size() / 2).meanStd();
    List<SeRank> marked = new ArrayList<>();
    for (SeRank r : sorted) {
      marked.add(new SeRank(r.block(), r.meanStd(), r.meanStd() < relative * median));
    }
    return marked;
  }

  static Architecture removeSe(Architecture a, List<SeRank> ranking) {
    java.util.Set<Integer> drop = new java.util.HashSet<>();
    ranking.stream().filter(SeRank::removed).forEach(r -> drop.add(r.block()));
    if (drop.isEmpty()) {
      return a;
    }
    ModelSpec spec = a.spec();
    List<StageSpec> stages = new ArrayList<>();
    int i = 0;
    for (StageSpec st : spec.stages()) {
      List<BlockArgs> bs = new ArrayList<>();
      for (BlockArgs b : st.blocks()) {
        bs.add(drop.contains(i++) ? b.withSe(0) : b);
      }
      stages.add(new StageSpec(bs));
    }
    return new Architecture(spec.withStages(stages, spec.stagesAsStrings()));
  }
}
