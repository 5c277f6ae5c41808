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
import java.util.Map;
import java.util.function.Function;

/**
 * Post-processing (method.md §9), automatic and with its evidence: each candidate change is priced
 * on the platform ({@link LatencyCost}) and probed for accuracy (a short training of base and
 * candidate under the same seed and budget); the changes the {@link DecisionRule} accepts are
 * applied best gain-per-millisecond first while the network stays within the budget; then rmSE
 * ranks the SE blocks of the result by the mean standard deviation of their excitations over
 * sample images and removes SE where the excitation is nearly constant.
 */
public final class PostProcessor {
  /** A probe's outcome: top-1 on the probe's held-out images and the trained model. */
  public record Probe(double top1, TrainedModel model) {}

  /** One change's evidence and verdict. */
  public record Decision(Change change, LatencyCost.Value cost, double baseTop1, double top1, double gainPoints,
                         double latencyPercent, boolean kept, String reason) {}

  /** An SE block's rmSE value. */
  public record SeRank(int block, double meanStd, boolean removed) {}

  /** Everything decided. */
  public record Result(Architecture result, double baseTop1, double baseMs, double finalMs, double budgetMs,
                       List<Decision> decisions, List<SeRank> seRanking, DecisionRule rule, double rmSeRelative) {}

  private PostProcessor() {}

  /**
   * @param probe trains an architecture briefly (same seed and budget for all) and evaluates it
   * @param samples images for rmSE (null: no rmSE)
   * @param rmSeRelative SE is removed where its value is below this share of the median block's
   */
  public static Result run(Architecture base, List<Change> changes, LatencyCost cost, double budgetMs,
                           DecisionRule rule, Function<Architecture, Probe> probe, Dataset samples, double rmSeRelative) {
    double baseMs = cost.estimateMs(base);
    Probe b = probe.apply(base);
    List<Decision> decisions = new ArrayList<>();
    for (Change c : changes) {
      Architecture cand = c.apply(base);
      LatencyCost.Value v = cost.of(base, cand);
      Probe p = probe.apply(cand);
      double gain = 100 * (p.top1() - b.top1());
      double pct = 100 * v.deltaMs() / v.baseMs();
      boolean pays = rule.pays(gain, pct);
      decisions.add(new Decision(c, v, b.top1(), p.top1(), gain, pct, pays,
          pays ? "pays for its latency" : "gain too small for its latency"));
    }
    // accept the paying changes, best gain per percent of latency first, while within the budget
    List<Decision> order = new ArrayList<>(decisions.stream().filter(Decision::kept).toList());
    order.sort(Comparator.comparingDouble((Decision d) -> -d.gainPoints() / Math.max(1e-6, d.latencyPercent())));
    Architecture result = base;
    Map<Change, String> verdicts = new LinkedHashMap<>();
    for (Decision d : order) {
      Architecture next = d.change().apply(result);
      double ms = cost.estimateMs(next);
      if (ms <= budgetMs) {
        result = next;
        verdicts.put(d.change(), "kept: pays for its latency and fits the budget");
      } else {
        verdicts.put(d.change(), String.format("pays, but the network would be %.4f ms, over the %.4f ms budget", ms,
            budgetMs));
      }
    }
    List<Decision> recorded = new ArrayList<>();
    for (Decision d : decisions) {
      String v = verdicts.get(d.change());
      boolean kept = v != null && v.startsWith("kept");
      recorded.add(new Decision(d.change(), d.cost(), d.baseTop1(), d.top1(), d.gainPoints(), d.latencyPercent(), kept,
          v != null ? v : d.reason()));
    }
    List<SeRank> ranking = List.of();
    if (samples != null && result.blocks().stream().anyMatch(BlockArgs::hasSe)) {
      Probe withSe = probe.apply(result);
      ranking = rankSe(withSe.model(), samples, rmSeRelative);
      result = removeSe(result, ranking);
    }
    return new Result(result, b.top1(), baseMs, cost.estimateMs(result), budgetMs, recorded, ranking, rule, rmSeRelative);
  }

  /** rmSE (method.md §9): per SE block, the mean over channels of the excitation's std across images. */
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
    double median = out.get(out.size() / 2).meanStd();
    List<SeRank> marked = new ArrayList<>();
    for (SeRank r : out) {
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
