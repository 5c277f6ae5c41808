package io.s3nas.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.HardwareRegistry;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.NetworkLatency;
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

  @Test
  void aChoiceTheCheckFindsOverBudgetIsReplacedUsingTheObservedError() {
    Architecture base = base(1);
    double baseMs = new FixedLatency(MIDAP).totalMs(base);
    // the "real" platform is 30% slower than the sweep believes
    LatencyModel slower = new LatencyModel() {
      @Override
      public String platform() {
        return "slower";
      }

      @Override
      public io.s3nas.latency.ComponentLatency latency(io.s3nas.latency.Component c) {
        var l = MIDAP.latency(c);
        return new io.s3nas.latency.ComponentLatency(l.ms() * 1.3, l.source());
      }
    };
    double budget = baseMs * 2;
    ScalingSearch.Grid grid = new ScalingSearch.Grid(ScalingSearch.Grid.steps(1, 1.6, 0.1),
        ScalingSearch.Grid.steps(1, 2, 0.25), ScalingSearch.Grid.steps(1, 1.5, 0.1), List.of(), 8);
    ScalingSearch.Result r = ScalingSearch.run(base, MIDAP, slower, budget, ScalingSearch.Size.MACS, grid);
    assertTrue(r.verifiedMs() <= budget, "the checked latency fits: " + r.verifiedMs());
    assertEquals(2, r.verifications(), "the first choice was over; the second, chosen with the 1.3 error, fits");
    assertEquals(new FixedLatency(slower).totalMs(r.architecture()), r.verifiedMs(), 1e-9);
  }

  /** MIDAP with every component {@code factor} times slower. */
  static io.s3nas.latency.LatencyModel scaled(double factor) {
    return new io.s3nas.latency.LatencyModel() {
      @Override
      public String platform() {
        return "midap x" + factor;
      }

      @Override
      public io.s3nas.latency.ComponentLatency latency(io.s3nas.latency.Component c) {
        var l = MIDAP.latency(c);
        return new io.s3nas.latency.ComponentLatency(l.ms() * factor, l.source());
      }
    };
  }

  @Test
  void aChoiceThatLeavesBudgetUnusedIsFollowedByALargerOneOnceTheSweepHasLearned() {
    Architecture base = base(1);
    double budget = new FixedLatency(MIDAP).totalMs(base) * 1.8;
    ScalingSearch.Grid grid = new ScalingSearch.Grid(ScalingSearch.Grid.steps(1, 1.6, 0.1),
        ScalingSearch.Grid.steps(1, 2, 0.25), ScalingSearch.Grid.steps(1, 1.5, 0.1), List.of(), 8);
    // the sweep's first view is 1.4x pessimistic; after one check it predicts exactly (it learned)
    java.util.concurrent.atomic.AtomicInteger views = new java.util.concurrent.atomic.AtomicInteger();
    ScalingSearch.Result r = ScalingSearch.run(base, () -> views.getAndIncrement() == 0 ? scaled(1.4) : MIDAP, MIDAP,
        budget, ScalingSearch.Size.MACS, grid);
    ScalingSearch.Result exact = ScalingSearch.run(base, MIDAP, budget, ScalingSearch.Size.MACS, grid);
    assertTrue(r.verifications() >= 2, "checked again after the sweep learned: " + r.verifications());
    assertEquals(exact.chosen().scaling(), r.chosen().scaling(), "the choice an exact sweep makes");
    assertEquals(exact.chosen().latencyMs(), r.verifiedMs(), 1e-9, "checked at what the exact sweep estimates");
  }

  @Test
  void aBudgetBelowTheArchitectureIsRejected() {
    Architecture base = base(2);
    double baseMs = new FixedLatency(MIDAP).totalMs(base);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ScalingSearch.run(base, MIDAP,
        baseMs * 0.9, ScalingSearch.Size.MACS, ScalingSearch.Grid.standard()));
    assertTrue(e.getMessage().contains("--budget-ms") && e.getMessage().contains("only grows"), e.getMessage());
  }
}
