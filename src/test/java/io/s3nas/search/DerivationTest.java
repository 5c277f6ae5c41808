package io.s3nas.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.TestImages;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.data.Augmentation;
import io.s3nas.data.FashionMnist;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The derivation a search records in its last checkpoint names the step whose decisions it read and
 * holds that step's norms and margins — the same ones the checkpoint written after that step gives
 * when restored — also when the search derives from an earlier step than its last, and also after a
 * crash and a resume.
 */
class DerivationTest {
  /** A short search whose thresholds start just below their norms, so decisions flip within its 16 steps. */
  static final double LR = 20;
  static final int SEARCH = 16;
  static final double START_MARGIN = 0.02;
  @TempDir Path tmp;

  SearchSpace space = SearchSpace.of(ModelJson.parse(SearchResumeTest.TINY, "tiny"));
  NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));

  SinglePathSearch.Result run(Path store, double targetFactor, int crashAfter) throws IOException {
    FashionMnist.Splits d = FashionMnist.load(TestImages.learnableFashion(tmp.resolve("data"), 96, 8, 5));
    SearchSettings s = SearchSettings.defaults(16, latency.minMs() * targetFactor, 2, 11).withThresholdLrScale(LR)
        .withSearchStart(START_MARGIN, true);
    ObjectNode id = new ObjectMapper().createObjectNode().put("supernet", "tiny").put("seed", 11);
    RunCheckpoints ck = new RunCheckpoints(new CheckpointStore(store), "run", 1, id, true, 100, null);
    return SinglePathSearch.run(space, latency, d.train(), d.test(), d.train().statistics(), new Augmentation(1, false),
        s, 7, SEARCH, ck, p -> {
          if (p.step() == crashAfter) {
            throw new SearchResumeTest.Crash();
          }
        });
  }

  /** Every checkpoint the run wrote, by the number of steps it holds. */
  static TensorArchive afterStep(Path store, long step) throws IOException {
    CheckpointStore cs = new CheckpointStore(store);
    List<TensorArchive> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(store)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".ckpt")).toList()) {
        String ref = f.getFileName().toString().replace(".ckpt", "");
        all.add(TensorArchive.fromBytes(cs.get(ref), ref));
      }
    }
    return all.stream().filter(a -> RunCheckpoints.column(a, "loss").length == step).findFirst().orElseThrow();
  }

  static TensorArchive last(Path store) {
    return new CheckpointStore(store).latestArchive("run").orElseThrow();
  }

  void recordedNormsAreThoseOfTheStepRead(Path store, SinglePathSearch.Result r) throws IOException {
    Derivation d = Derivation.read(last(store)).orElseThrow();
    assertArrayEquals(r.choice(), d.derived(), "the recorded derivation is the one that gave the architecture");
    assertTrue(d.hasNorms(), d.rule());
    SupernetTrainer t = new SupernetTrainer(space, latency, SearchSettings.defaults(16, 1, 1, 11), 1);
    t.restore(afterStep(store, d.step()));
    SupernetDecisions.Pass p = t.currentDecisions();
    Derivation.Snapshot s = Derivation.flatten(d.step() - 1, p);
    assertArrayEquals(s.norms(), d.norms(), 0, "norms at step " + d.step());
    assertArrayEquals(s.margins(), d.margins(), 0, "margins at step " + d.step());
    assertArrayEquals(t.decisions().derive(p), d.read(), "the decisions read at step " + d.step());
    assertEquals(Derivation.levels(space).size(), d.norms().length);
  }

  @Test
  void anEarlierStepsNormsAreTheOnesRecorded() throws IOException {
    for (double f : new double[] {1.6, 1.3}) { // found to derive from step 10 (within 2%) and 8 (within) of 23
      Path store = tmp.resolve("e" + f);
      SinglePathSearch.Result r = run(store, f, -1);
      Derivation d = Derivation.read(last(store)).orElseThrow();
      assertTrue(d.step() < r.log().size(), f + ": derived from step " + d.step() + " of " + r.log().size());
      assertTrue(!d.rule().equals(Derivation.LAST) && !d.rule().equals(Derivation.NONE_WITHIN), d.rule());
      assertTrue(latency.estimate(d.read()) <= latency.minMs() * f, "the step read was within the target");
      recordedNormsAreThoseOfTheStepRead(store, r);
    }
  }

  @Test
  void theLastStepWhenItIsWithinTheTarget() throws IOException {
    Path store = tmp.resolve("l");
    SinglePathSearch.Result r = run(store, 2.2, -1);
    Derivation d = Derivation.read(last(store)).orElseThrow();
    assertEquals(r.log().size(), d.step());
    assertEquals(Derivation.LAST, d.rule());
    recordedNormsAreThoseOfTheStepRead(store, r);
  }

  @Test
  void aResumedSearchRecordsTheSameDerivation() throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    run(a, 1.6, -1);
    // the crash comes after the step the derivation reads (10): its norms come back from the checkpoint
    assertThrows(SearchResumeTest.Crash.class, () -> run(b, 1.6, 14));
    SinglePathSearch.Result resumed = run(b, 1.6, -1);
    Derivation x = Derivation.read(last(a)).orElseThrow();
    Derivation y = Derivation.read(last(b)).orElseThrow();
    assertEquals(x.step(), y.step());
    assertTrue(x.step() < 14, "read before the crash: " + x.step());
    assertArrayEquals(x.norms(), y.norms(), 1e-6);
    assertArrayEquals(x.margins(), y.margins(), 1e-6);
    assertArrayEquals(x.derived(), resumed.choice());
  }

  @Test
  void explainShowsTheNormsAtTheDerivationStep() throws IOException {
    Path store = tmp.resolve("x");
    SinglePathSearch.Result r = run(store, 1.6, -1);
    Derivation d = Derivation.read(last(store)).orElseThrow();
    SearchSettings settings = SearchSettings.defaults(16, latency.minMs() * 1.6, 1, 11);
    java.util.Map<String, Object> why = io.s3nas.stages.Explanation.explain(new io.s3nas.stages.Explanation.Inputs(
        space, latency, settings, r.architecture(), r.architecture(), last(store), null, null));
    com.fasterxml.jackson.databind.JsonNode j = new ObjectMapper().valueToTree(why);
    com.fasterxml.jackson.databind.JsonNode derivation = j.path("decisions").get(0);
    assertEquals("derivation", derivation.path("kind").asText());
    assertEquals(d.step(), derivation.path("step").asLong());
    assertEquals(r.log().size(), derivation.path("steps").asInt());
    assertEquals(d.rule(), derivation.path("rule").asText());
    java.util.Map<Derivation.Level, double[]> levels = d.byLevel(space);
    int shown = 0;
    for (com.fasterxml.jackson.databind.JsonNode b : j.path("blocks")) {
      com.fasterxml.jackson.databind.JsonNode sn = b.path("evidence").path("supernet");
      assertEquals(d.step(), sn.path("norms_at_step").asLong(), b.toString());
      assertTrue(sn.path("last_flip_step").asLong() <= d.step(), "a flip after the step read is not its evidence");
      int block = sn.path("supernet_block").asInt();
      int branch = 0;
      for (com.fasterxml.jackson.databind.JsonNode br : sn.path("branches")) {
        for (com.fasterxml.jackson.databind.JsonNode g : br.path("channel_groups")) {
          double[] v = levels.get(new Derivation.Level(block, branch, "expansion", g.path("expansion").asInt()));
          assertEquals(v[0], g.path("norm").asDouble(), 1e-12);
          assertEquals(v[0] - v[1], g.path("threshold").asDouble(), 1e-12);
          assertEquals(v[1] > 0, g.path("kept").asBoolean());
          shown++;
        }
        branch++;
      }
    }
    assertTrue(shown > 0);
  }
}
