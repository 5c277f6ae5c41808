package io.s3nas.postprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestImages;
import io.s3nas.data.Augmentation;
import io.s3nas.data.FashionMnist;
import io.s3nas.latency.HardwareRegistry;
import io.s3nas.latency.LatencyModel;
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

  /** A stand-in probe: SE on stage 0 gains 1.5 points, SE on stage 1 0.1, h-swish 0.5. */
  static PostProcessor.Probe fake(Architecture a) {
    double top1 = 0.80;
    List<BlockArgs> b = a.blocks();
    if (b.get(0).hasSe()) {
      top1 += 0.015;
    }
    if (b.get(2).hasSe()) {
      top1 += 0.001;
    }
    if (a.spec().actFn() == Activation.HSWISH) {
      top1 += 0.005;
    }
    return new PostProcessor.Probe(top1, null);
  }

  @Test
  void keepsWhatPaysWithinTheBudgetAndRecordsTheEvidence() {
    Architecture base = arch();
    LatencyCost cost = new LatencyCost(MIDAP);
    List<Change> changes = List.of(Change.se(0, 0.25), Change.se(1, 0.25), Change.hswishGlobal());
    double baseMs = cost.estimateMs(base);
    PostProcessor.Result r = PostProcessor.run(base, changes, cost, baseMs * 10, DecisionRule.DEFAULT,
        PostProcessorTest::fake, null, 0.25);
    assertEquals(3, r.decisions().size());
    for (PostProcessor.Decision d : r.decisions()) {
      if (d.change().kind() == Change.Kind.SE) {
        assertTrue(d.cost().deltaMs() > 0, d.change().label() + " costs latency");
      }
      assertTrue(d.cost().uncertaintyMs() >= 0 && d.cost().method().startsWith("table"), d.cost().method());
      boolean pays = DecisionRule.DEFAULT.pays(d.gainPoints(), d.latencyPercent());
      assertEquals(pays, d.kept(), d.change().label() + ": " + d.reason());
    }
    assertFalse(r.decisions().get(1).kept(), "0.1 points is below the rule's minimum");
    assertTrue(r.result().blocks().get(0).hasSe() || !r.decisions().get(0).kept());
    assertTrue(r.finalMs() <= r.budgetMs());
    // no room: SE pays but is recorded as over the budget, and no block gets it
    PostProcessor.Result tight = PostProcessor.run(base, changes, cost, baseMs, DecisionRule.DEFAULT,
        PostProcessorTest::fake, null, 0.25);
    assertTrue(tight.result().blocks().stream().noneMatch(BlockArgs::hasSe));
    assertFalse(tight.decisions().get(0).kept());
    assertTrue(tight.decisions().get(0).reason().contains("over the"), tight.decisions().get(0).reason());
    assertTrue(tight.finalMs() <= baseMs);
  }

  @Test
  void rmSeRanksRealExcitationsAndRemovesTheFlatOnes() throws IOException {
    FashionMnist.Splits d = FashionMnist.load(TestImages.learnableFashion(tmp.resolve("data"), 128, 8, 2));
    Function<Architecture, PostProcessor.Probe> probe = a -> {
      FinalTraining.Result t = FinalTraining.run(a, d.train(), d.test(), d.train().statistics(), Augmentation.NONE,
          TrainingSettings.defaults(1, 16, 2, 3), p -> {});
      return new PostProcessor.Probe(t.testTop1(), t.model());
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
