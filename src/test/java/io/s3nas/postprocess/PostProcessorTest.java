package io.s3nas.postprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestImages;
import io.s3nas.data.Augmentation;
import io.s3nas.data.FashionMnist;
import io.s3nas.latency.LatencyModel;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.ModelJson;
import io.s3nas.train.FinalTraining;
import io.s3nas.train.TrainingSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SE / h-swish post-processing: pricing, the decision rule, the budget, and rmSE. */
class PostProcessorTest {
  @TempDir Path tmp;

  static final LatencyModel MIDAP = HardwareRegistry.load(Path.of("conf/hardware")).model("midap");

  static final String NET = """
      {"img_size": 8, "img_c": 1, "n_classes": 10,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k3_s11_e4_i8_o8_c0", "r1_k3,5_s22_e2,2_i8_o16_c100"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 1}}
      """;

  static Architecture arch() {
    return Architecture.of(ModelJson.parse(NET, "net"), "net");
  }

  static final int IMAGES = 4000;

  /**
   * A stand-in probe on 4,000 held-out images: the base classifies 80% right; SE on stage 0 makes
   * 60 more right (+1.5 points, clearly); SE on stage 1 two more (+0.05, surely below the rule);
   * h-swish 120 more right and 100 fewer (+0.5 points, but too noisy to tell). {@code top1} shifts
   * the base.
   */
  static PostProcessor.Probe fake(Architecture a, double baseTop1) {
    boolean[] ok = new boolean[IMAGES];
    int right = (int) (baseTop1 * IMAGES);
    for (int i = 0; i < right; i++) {
      ok[i] = true;
    }
    List<BlockArgs> b = a.blocks();
    int next = right;
    if (b.get(0).hasSe()) {
      for (int i = 0; i < 60; i++) {
        ok[next++] = true;
      }
    }
    if (b.get(2).hasSe()) {
      ok[next++] = true;
      ok[next++] = true;
    }
    if (a.spec().actFn() == Activation.HSWISH) {
      for (int i = 0; i < 120; i++) {
        ok[next++] = true;
      }
      for (int i = 0; i < 100; i++) {
        ok[i] = false;
      }
    }
    return new PostProcessor.Probe(ok, null);
  }

  @Test
  void keepsOnlyWhatSurelyPaysWithinTheBudgetAndRecordsTheInterval() {
    Architecture base = arch();
    LatencyCost cost = new LatencyCost(MIDAP);
    List<Change> changes = List.of(Change.se(0, 0.25), Change.se(1, 0.25), Change.hswishGlobal());
    double baseMs = cost.estimateMs(base);
    DecisionRule rule = new DecisionRule(0.2, 0.01);
    PostProcessor.Result r = PostProcessor.run(base, changes, cost, baseMs * 10, baseMs * 10, rule, 0.55,
        a -> fake(a, 0.8), null, 0.25);
    assertEquals(3, r.decisions().size());
    PostProcessor.Decision se0 = r.decisions().get(0);
    assertEquals(PostProcessor.Verdict.KEPT, se0.verdict(), se0.reason());
    assertEquals(1.5, se0.gain().points(), 1e-9);
    assertTrue(se0.gain().lowerPoints() > 1 && se0.gain().upperPoints() < 2, se0.gain().toString());
    assertTrue(se0.cost().deltaMs() > 0 && se0.cost().method().startsWith("table"), se0.cost().method());
    assertEquals(PostProcessor.Verdict.REJECTED, r.decisions().get(1).verdict(), r.decisions().get(1).reason());
    PostProcessor.Decision hs = r.decisions().get(2);
    assertEquals(PostProcessor.Verdict.UNDECIDED, hs.verdict(), hs.reason());
    assertTrue(hs.gain().lowerPoints() < 0.2 && hs.gain().upperPoints() > 0.2, hs.gain().toString());
    assertTrue(r.result().blocks().get(0).hasSe() && !r.result().blocks().get(2).hasSe());
    assertTrue(r.result().spec().actFn() != Activation.HSWISH, "undecided stays off");
    // no room: SE pays but is recorded as over the budget, and no block gets it
    PostProcessor.Result tight = PostProcessor.run(base, changes, cost, baseMs, baseMs, rule, 0.55,
        a -> fake(a, 0.8), null, 0.25);
    assertTrue(tight.result().blocks().stream().noneMatch(BlockArgs::hasSe));
    assertEquals(PostProcessor.Verdict.OVER_BUDGET, tight.decisions().get(0).verdict());
    assertTrue(tight.decisions().get(0).reason().contains("over the"), tight.decisions().get(0).reason());
  }

  @Test
  void aBaseThatHasNotLearnedDecidesNothing() {
    Architecture base = arch();
    LatencyCost cost = new LatencyCost(MIDAP);
    int[] probes = {0};
    PostProcessor.Result r = PostProcessor.run(base, List.of(Change.se(0, 0.25), Change.hswishGlobal()), cost, 100, 100,
        DecisionRule.DEFAULT, 0.55, a -> {
          probes[0]++;
          return fake(a, 0.12);
        }, null, 0.25);
    assertEquals(1, probes[0], "only the base was probed");
    for (PostProcessor.Decision d : r.decisions()) {
      assertEquals(PostProcessor.Verdict.UNDECIDED, d.verdict());
      assertTrue(d.reason().contains("below the 55.0%"), d.reason());
    }
    assertEquals(base.blocks(), r.result().blocks());
  }

  @Test
  void pairedIntervalsAreNarrowWhereTheNetworksAgree() {
    boolean[] base = new boolean[1000];
    boolean[] same = new boolean[1000];
    for (int i = 0; i < 800; i++) {
      base[i] = true;
      same[i] = true;
    }
    PairedGain none = PairedGain.of(base, same);
    assertEquals(0, none.points(), 1e-12);
    assertEquals(0, none.upperPoints() - none.lowerPoints(), 1e-12, "identical predictions: no uncertainty");
    same[900] = true; // one more right
    PairedGain one = PairedGain.of(base, same);
    assertEquals(0.1, one.points(), 1e-9);
    assertEquals(1, one.onlyChangeRight());
    assertTrue(one.lowerPoints() < 0 && one.upperPoints() > 0.1, "one image proves nothing: " + one);
  }

  @Test
  void rmSeRanksRealExcitationsAndRemovesTheFlatOnes() throws IOException {
    FashionMnist.Splits d = FashionMnist.load(TestImages.learnableFashion(tmp.resolve("data"), 128, 8, 2));
    Function<Architecture, PostProcessor.Probe> probe = a -> {
      FinalTraining.Result t = FinalTraining.run(a, d.train(), d.test(), d.train().statistics(), Augmentation.NONE,
          TrainingSettings.defaults(1, 16, 2, 3), p -> {});
      return new PostProcessor.Probe(t.trainer().correctness(d.test(), d.train().statistics()), t.model());
    };
    Architecture withSe = Change.se(-1, 0.25).apply(arch());
    PostProcessor.Probe p = probe.apply(withSe);
    List<PostProcessor.SeRank> ranks = PostProcessor.rankSe(p.model(), d.test(), 0.5);
    assertEquals(3, ranks.size(), "every SE block ranked");
    for (int i = 1; i < ranks.size(); i++) {
      assertTrue(ranks.get(i - 1).meanStd() <= ranks.get(i).meanStd(), "ascending");
    }
    double median = ranks.get(1).meanStd();
    for (PostProcessor.SeRank r : ranks) {
      assertEquals(r.meanStd() < 0.5 * median, r.removed());
      assertTrue(r.meanStd() > 0, "excitations vary over images");
    }
    Architecture after = PostProcessor.removeSe(withSe, ranks);
    for (PostProcessor.SeRank r : ranks) {
      assertEquals(!r.removed(), after.blocks().get(r.block()).hasSe());
    }
  }
}
