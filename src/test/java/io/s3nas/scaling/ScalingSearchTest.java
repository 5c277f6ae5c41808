package io.s3nas.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Architecture;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scaling sweep on the MIDAP table (with its predictor for the shapes the table lacks). */
class ScalingSearchTest {
  static final LatencyModel MIDAP = HardwareRegistry.load(Path.of("conf/hardware")).model("midap");

  static Architecture base(long seed) {
    SearchSpace space = SearchSpace.of(TestData.supernet("mixconv_super_3_4_7_4_11"));
    Random r = new Random(seed);
    int[] choice = new int[space.blocks().size()];
    for (int i = 0; i < choice.length; i++) {
      choice[i] = r.nextInt(space.blocks().get(i).outcomes().size());
    }
    return space.architecture(choice);
  }

  @Test
  void fixedLatencyIsTheNetworkEstimate() {
    FixedLatency f = new FixedLatency(MIDAP);
    for (long seed = 0; seed < 5; seed++) {
      Architecture a = CompoundScaler.scale(base(seed), Scaling.of(1.2, 1.3, 1.1));
      assertEquals(NetworkLatency.estimate(a, MIDAP).totalMs(), f.totalMs(a), 1e-9);
    }
  }

  @Test
  void choosesTheLargestFittingNetworkCloseToTheBudget() {
    Architecture base = base(1);
    double baseMs = new FixedLatency(MIDAP).totalMs(base);
    double budget = baseMs * 1.8;
    ScalingSearch.Grid grid = new ScalingSearch.Grid(ScalingSearch.Grid.steps(1, 1.6, 0.1),
        ScalingSearch.Grid.steps(1, 2, 0.25), ScalingSearch.Grid.steps(1, 1.5, 0.1), List.of(List.of(4, 5, 8, 5, 12)), 8);
    ScalingSearch.Result r = ScalingSearch.run(base, MIDAP, budget, ScalingSearch.Size.MACS, grid);
    assertEquals(7 * 5 * 6 + 7 * 6, r.candidates().size());
    assertTrue(r.chosen().latencyMs() <= budget);
    assertTrue(r.chosen().latencyMs() >= 0.9 * budget, "uses the budget: " + r.chosen().latencyMs() + " of " + budget);
    for (ScalingSearch.Candidate c : r.candidates()) {
      if (c.fits()) {
        assertTrue(c.macs() <= r.chosen().macs(), "nothing fitting is larger");
      }
    }
    assertEquals(r.chosen().latencyMs(), new FixedLatency(MIDAP).totalMs(r.architecture()), 1e-9);
    ScalingSearch.Result byParams = ScalingSearch.run(base, MIDAP, budget, ScalingSearch.Size.PARAMS, grid);
    assertTrue(byParams.chosen().params() >= r.chosen().params());
  }

  static List<Integer> stageCounts(Architecture a) {
    return a.spec().stages().stream().map(st -> st.spanned().size()).toList();
  }

  static List<Integer> plus(List<Integer> counts, int stage, int extra) {
    List<Integer> l = new java.util.ArrayList<>(counts);
    l.set(stage, l.get(stage) + extra);
    return l;
  }

  @Test
  void stageIncrementsListEveryCombinationOfExtraBlocks() {
    Architecture base = base(2);
    List<Integer> n = stageCounts(base);
    List<List<Integer>> one = ScalingSearch.Grid.stageIncrements(base, 1);
    assertEquals(31, one.size());
    assertEquals(31, one.stream().distinct().count());
    assertTrue(one.contains(plus(n, 4, 1)), one.toString());
    assertTrue(one.contains(n.stream().map(c -> c + 1).toList()), one.toString());
    assertTrue(!one.contains(n), "the unchanged network is the grid's d = 1");
    assertEquals(3 * 3 * 3 * 3 * 3 - 1, ScalingSearch.Grid.stageIncrements(base, 2).size());
    assertEquals(0, ScalingSearch.Grid.stageIncrements(base, 0).size());
  }

  @Test
  void oneStagesExtraBlockFillsTheBudgetAUniformDepthStepOvershoots() {
    Architecture base = base(3);
    List<Integer> n = stageCounts(base);
    FixedLatency f = new FixedLatency(MIDAP);
    // room for the cheapest single extra block only
    double budget = Double.MAX_VALUE;
    for (int st = 0; st < n.size(); st++) {
      budget = Math.min(budget, f.totalMs(CompoundScaler.scale(base, new Scaling(1, 1, plus(n, st, 1), 1, 8, 4))));
    }
    budget += 1e-9;
    ScalingSearch.Grid uniform = new ScalingSearch.Grid(List.of(1.0), ScalingSearch.Grid.steps(1, 1.5, 0.1),
        List.of(1.0), List.of(), 8);
    ScalingSearch.Result plain = ScalingSearch.run(base, MIDAP, budget, ScalingSearch.Size.MACS, uniform);
    ScalingSearch.Result lists = ScalingSearch.run(base, MIDAP, budget, ScalingSearch.Size.MACS,
        uniform.withDepthLists(ScalingSearch.Grid.stageIncrements(base, 1)));
    for (double d : uniform.depths()) {
      int added = 0;
      for (int c : n) {
        added += new Scaling(1, d, null, 1, 8, 4).stageDepth(0, c) - c;
      }
      assertTrue(added == 0 || added >= 2, "premise: d = " + d + " adds " + added + " blocks to " + n);
    }
    assertEquals(base.blocks().size(), plain.chosen().blocks(), "no uniform d fits: " + plain.chosen());
    assertEquals(base.blocks().size() + 1, lists.chosen().blocks(), "a per-stage list adds the one that fits");
    assertTrue(lists.chosen().macs() > plain.chosen().macs());
    assertTrue(lists.chosen().latencyMs() <= budget);
  }

  /** A "machine" whose whole networks measure {@code factor} times what the MIDAP table sums them to. */
  static ScalingSearch.Checker measuring(double factor, List<Integer> measuredCounts) {
    FixedLatency truth = new FixedLatency(MIDAP);
    return archs -> {
      measuredCounts.add(archs.size());
      return archs.stream().mapToDouble(a -> truth.totalMs(a) * factor).toArray();
    };
  }

  @Test
  void anUnderestimatingTableIsCorrectedByMeasurementSoTheChoiceFitsTheBudget() {
    Architecture base = base(1);
    double baseMs = new FixedLatency(MIDAP).totalMs(base);
    double budget = baseMs * 2;
    ScalingSearch.Grid grid = new ScalingSearch.Grid(ScalingSearch.Grid.steps(1, 1.6, 0.1),
        ScalingSearch.Grid.steps(1, 2, 0.25), ScalingSearch.Grid.steps(1, 1.5, 0.1), List.of(), 8);
    List<Integer> rounds = new java.util.ArrayList<>();
    // the platform measures 30% above what the table (the sweep) believes
    ScalingSearch.Result r = ScalingSearch.run(base, MIDAP, measuring(1.3, rounds), 0.03, null, budget,
        ScalingSearch.Size.MACS, grid);
    assertTrue(r.measuredMs() <= 0.97 * budget, "measured within the budget less its margin: " + r.measuredMs());
    assertEquals(1.3 * new FixedLatency(MIDAP).totalMs(r.architecture()), r.measuredMs(), 1e-9);
    assertTrue(rounds.size() >= 2, "the first choices measured over; the next round, corrected, fits: " + rounds);
    assertTrue(r.measurements().stream().anyMatch(m -> m.measuredMs() > 0.97 * budget), "some were over");
    ScalingSearch.Result estimateOnly = ScalingSearch.run(base, MIDAP, budget, ScalingSearch.Size.MACS, grid);
    assertTrue(1.3 * estimateOnly.chosen().latencyMs() > budget, "unmeasured, the table's choice would be over");
    assertTrue(r.chosen().latencyMs() * 1.3 >= 0.85 * 0.97 * budget, "and the corrected choice still uses the budget: "
        + r.measuredMs());
  }

  @Test
  void aNetworkMeasuredOverItsBudgetIsShrunkUntilItFits() {
    Architecture base = base(1);
    double baseMs = new FixedLatency(MIDAP).totalMs(base);
    List<Integer> rounds = new java.util.ArrayList<>();
    // the base itself measures 1.6x its estimate, above a budget of 1.2x the estimate
    ScalingSearch.Result r = ScalingSearch.run(base, MIDAP, measuring(1.6, rounds), 0.03, null, baseMs * 1.2,
        ScalingSearch.Size.MACS, ScalingSearch.Grid.standard());
    assertTrue(r.measuredMs() <= 0.97 * 1.2 * baseMs, "shrunk within the budget: " + r.measuredMs());
    assertTrue(r.chosen().scaling().width() < 1 || r.chosen().scaling().resolution() < 1, "w or r below 1: "
        + r.chosen().scaling());
  }

  @Test
  void withoutMeasurementTheChoiceKeepsTheUpperEdgeOfItsBandWithinTheBudget() {
    Architecture base = base(1);
    double budget = new FixedLatency(MIDAP).totalMs(base) * 1.8;
    ScalingSearch.Grid grid = new ScalingSearch.Grid(ScalingSearch.Grid.steps(1, 1.6, 0.1),
        ScalingSearch.Grid.steps(1, 2, 0.25), ScalingSearch.Grid.steps(1, 1.5, 0.1), List.of(), 8);
    ScalingSearch.Result plain = ScalingSearch.run(base, MIDAP, budget, ScalingSearch.Size.MACS, grid);
    ScalingSearch.Result banded = ScalingSearch.run(base, MIDAP, null, 0, (a, est) -> 0.1 * est, budget,
        ScalingSearch.Size.MACS, grid);
    assertTrue(banded.chosen().latencyMs() * 1.1 <= budget, "estimate + band within: " + banded.chosen());
    assertTrue(plain.chosen().latencyMs() * 1.1 > budget, "the plain choice's band would cross the budget");
    assertEquals(0.1 * banded.chosen().latencyMs(), banded.bandMs(), 1e-9);
  }

  @Test
  void aBudgetBelowTheArchitectureShrinksItAndOneNoShrinkingMeetsIsRejected() {
    Architecture base = base(2);
    double baseMs = new FixedLatency(MIDAP).totalMs(base);
    ScalingSearch.Result r = ScalingSearch.run(base, MIDAP, baseMs * 0.9, ScalingSearch.Size.MACS,
        ScalingSearch.Grid.standard());
    assertTrue(r.chosen().latencyMs() <= 0.9 * baseMs, "fits: " + r.chosen());
    assertTrue(r.chosen().scaling().width() < 1 || r.chosen().scaling().resolution() < 1, "shrunk: " + r.chosen());
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ScalingSearch.run(base, MIDAP,
        baseMs * 0.05, ScalingSearch.Size.MACS, ScalingSearch.Grid.standard()));
    assertTrue(e.getMessage().contains("budget-ms") && e.getMessage().contains("lower target"), e.getMessage());
  }

  static final io.s3nas.latency.MeasurementPolicy GATED = new io.s3nas.latency.MeasurementPolicy(
      io.s3nas.latency.MeasurementPolicy.Mode.GATED, 0.05, false);

  @Test
  void theGateMeasuresOnlyCandidatesWhoseIntervalStraddlesTheLimit() {
    Architecture base = base(1);
    double budget = new FixedLatency(MIDAP).totalMs(base) * 2;
    ScalingSearch.Grid grid = new ScalingSearch.Grid(ScalingSearch.Grid.steps(1, 1.6, 0.1),
        ScalingSearch.Grid.steps(1, 2, 0.25), ScalingSearch.Grid.steps(1, 1.5, 0.1), List.of(), 8);
    // the machine measures 2% above the table: inside the gate's 3% + 5% band
    List<Integer> allRounds = new java.util.ArrayList<>();
    ScalingSearch.Result all = ScalingSearch.run(base, MIDAP, measuring(1.02, allRounds), 0.03, null, budget,
        ScalingSearch.Size.MACS, grid);
    List<List<Architecture>> gatedCalls = new java.util.ArrayList<>();
    FixedLatency truth = new FixedLatency(MIDAP);
    io.s3nas.latency.MeasurementGate gate = io.s3nas.latency.MeasurementGate.withBand(GATED, 0.03);
    ScalingSearch.Result gated = ScalingSearch.run(base, MIDAP, archs -> {
      gatedCalls.add(archs);
      return archs.stream().mapToDouble(a -> truth.totalMs(a) * 1.02).toArray();
    }, 0.03, null, budget, ScalingSearch.Size.MACS, grid, gate);
    double limit = 0.97 * budget;
    int made = 0;
    for (List<Architecture> call : gatedCalls) {
      for (Architecture a : call) {
        double est = truth.totalMs(a);
        assertTrue(est + 0.08 * est > limit && est - 0.08 * est <= limit, "only a straddling candidate is measured: "
            + est + " against " + limit);
        made++;
      }
    }
    assertEquals(made, gated.count().measured());
    assertEquals(all.measurements().size(), all.count().measured(), "the measure-everything policy measures each");
    assertEquals(all.count().measured(), all.count().measureAll());
    assertTrue(gated.count().measured() < gated.count().measureAll(), "the base, far below the limit, is trusted: "
        + gated.count());
    assertTrue(gated.measurements().stream().anyMatch(m -> m.trusted() && m.scaling().width() == 1
        && m.scaling().resolution() == 1 && Double.isNaN(m.measuredMs())), "the base trusted unmeasured");
    assertEquals(all.chosen(), gated.chosen(), "the same choice, with fewer measurements");
    assertTrue(gated.measuredMs() <= limit);
  }

  @Test
  void aTrustedChoiceKeepsTheUpperEdgeOfTheGatesBandWithinTheLimit() {
    Architecture base = base(1);
    FixedLatency truth = new FixedLatency(MIDAP);
    double budget = truth.totalMs(base) * 1.2;
    // two candidates: the base, whose estimate + 8% lies within the limit, and one 1.5x wider, over it
    ScalingSearch.Grid grid = new ScalingSearch.Grid(List.of(1.0, 1.5), List.of(1.0), List.of(1.0), List.of(), 8);
    assertTrue(truth.totalMs(CompoundScaler.scale(base, Scaling.of(1.5, 1, 1))) * 0.92 > 0.97 * budget);
    List<Integer> rounds = new java.util.ArrayList<>();
    ScalingSearch.Result r = ScalingSearch.run(base, MIDAP, measuring(1.0, rounds), 0.03, null, budget,
        ScalingSearch.Size.MACS, grid, io.s3nas.latency.MeasurementGate.withBand(GATED, 0.03));
    assertTrue(rounds.isEmpty(), "nothing straddles: nothing measured " + rounds);
    assertEquals(1.0, r.chosen().scaling().width());
    assertTrue(Double.isNaN(r.measuredMs()), "the choice rests on its estimate");
    assertTrue(r.chosen().latencyMs() * 1.08 <= 0.97 * budget);
    assertEquals(new io.s3nas.latency.MeasurementGate.Count(0, 1), r.count());
    // a gate without a known band measures everything
    List<Integer> unknown = new java.util.ArrayList<>();
    ScalingSearch.Result u = ScalingSearch.run(base, MIDAP, measuring(1.0, unknown), 0.03, null, budget,
        ScalingSearch.Size.MACS, grid, io.s3nas.latency.MeasurementGate.withBand(GATED, Double.NaN));
    assertEquals(u.count().measureAll(), u.count().measured());
    assertTrue(u.count().measured() > 0);
  }

  @Test
  void theGateJudgesEstimatesCorrectedByWhatTheCheckMeasured() {
    Architecture base = base(1);
    double b = new FixedLatency(MIDAP).totalMs(base);
    // the machine runs 15% above the table; the base straddles the limit, is measured over it, and
    // the network is shrunk: the shrunk candidates' estimates are 15% low too
    double budget = b / 0.97;
    List<Integer> rounds = new java.util.ArrayList<>();
    ScalingSearch.Result r = ScalingSearch.run(base, MIDAP, measuring(1.15, rounds), 0.03, null, budget,
        ScalingSearch.Size.MACS, ScalingSearch.Grid.standard(), io.s3nas.latency.MeasurementGate.withBand(GATED, 0.03));
    double limit = 0.97 * budget;
    assertTrue(r.chosen().scaling().width() < 1 || r.chosen().scaling().resolution() < 1, "shrunk: " + r.chosen());
    for (ScalingSearch.Measurement m : r.measurements()) {
      if (m.call() == io.s3nas.latency.MeasurementGate.Call.TRUSTED_WITHIN) {
        assertTrue(m.estimatedMs() * 1.15 * 1.08 <= limit + 1e-12, "trusted only when the corrected estimate and its "
            + "band fit: " + m);
      }
    }
    assertTrue(1.15 * r.chosen().latencyMs() <= limit, "the choice fits on the machine: " + r.chosen());
    assertTrue(r.count().measured() >= 2, "the shrunk candidates near the limit were measured: " + r.count());
  }

  @Test
  void aMeasurementFarBelowItsEstimateDoesNotAloneLetANetworkIn() {
    Architecture base = base(1);
    double budget = new FixedLatency(MIDAP).totalMs(base) * 2;
    double limit = 0.97 * budget;
    // a measurement session running 10% below estimates that claim to be good to 3%
    ScalingSearch.Result alone = ScalingSearch.run(base, MIDAP, measuring(0.9, new java.util.ArrayList<>()), 0.03, null,
        budget, ScalingSearch.Size.MACS, ScalingSearch.Grid.standard());
    ScalingSearch.Result both = ScalingSearch.run(base, MIDAP, measuring(0.9, new java.util.ArrayList<>()), 0.03,
        (a, est) -> 0.03 * est, budget, ScalingSearch.Size.MACS, ScalingSearch.Grid.standard());
    assertTrue(alone.chosen().latencyMs() * 0.97 > limit, "the measurement alone takes a network the estimate "
        + "says is over: " + alone.chosen());
    assertTrue(both.chosen().latencyMs() * 0.97 <= limit, "both opinions must say it fits: " + both.chosen());
    assertTrue(both.measuredMs() <= limit);
    assertTrue(both.chosen().latencyMs() >= 0.9 * limit, "and it still uses the budget: " + both.chosen());
  }
}
