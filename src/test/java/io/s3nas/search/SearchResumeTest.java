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
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.FashionMnist;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search interrupted after k steps and resumed from its checkpoint in fresh objects continues the
 * same run: every later loss and the derived architecture equal the uninterrupted k + m run's.
 */
class SearchResumeTest {
  @TempDir Path tmp;

  static final String TINY = """
      {"img_size": 8, "img_c": 1, "n_classes": 10,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5,5,7_s11_e2,2,2_i8_o8_c102", "r1_k5_s22_e6_i8_o16_c12"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}}
      """;

  /** The crash: the progress callback dies after step k (its checkpoint is already written). */
  static final class Crash extends RuntimeException {}

  SinglePathSearch.Result run(Path store, int every, boolean resume, int crashAfter) throws IOException {
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    FashionMnist.Splits d = FashionMnist.load(TestImages.learnableFashion(tmp.resolve("data"), 96, 8, 5));
    SearchSettings s = SearchSettings.defaults(16, latency.minMs() * 1.3, 2, 11).withThresholdLrScale(20);
    ObjectNode id = new ObjectMapper().createObjectNode().put("supernet", "tiny").put("seed", 11);
    RunCheckpoints ck = new RunCheckpoints(new CheckpointStore(store), "run", every, id, resume);
    return SinglePathSearch.run(space, latency, d.train(), d.test(), d.train().statistics(), new Augmentation(1, false),
        s, 7, 11, ck, p -> {
          if (p.step() == crashAfter) {
            throw new Crash();
          }
        });
  }

  @Test
  void resumedRunMatchesTheUninterruptedOne() throws IOException {
    SinglePathSearch.Result whole = run(tmp.resolve("a"), 5, false, -1);
    assertThrows(Crash.class, () -> run(tmp.resolve("b"), 5, false, 10)); // warm-up ends at 7: resumes in search
    SinglePathSearch.Result resumed = run(tmp.resolve("b"), 5, true, -1);
    List<SinglePathSearch.Log> a = whole.log();
    List<SinglePathSearch.Log> b = resumed.log();
    assertEquals(18, a.size());
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).loss(), b.get(i).loss(), 1e-5 * Math.abs(a.get(i).loss()), "loss at step " + i);
      assertEquals(a.get(i).expectedMs(), b.get(i).expectedMs(), 1e-9, "expected latency at step " + i);
      assertArrayEquals(a.get(i).choice(), b.get(i).choice(), "block decisions at step " + i);
      assertEquals(a.get(i).validationTop1(), b.get(i).validationTop1(), 1e-12, "validation at step " + i);
    }
    assertArrayEquals(whole.choice(), a.get(a.size() - 1).choice(), "the last logged decisions are the derived ones");
    assertTrue(Double.isFinite(a.get(a.size() - 1).validationTop1()), "evaluated at the last checkpoint");
    assertArrayEquals(whole.choice(), resumed.choice(), "same derived architecture");
    assertEquals(whole.validationTop1(), resumed.validationTop1(), 1e-12);
  }

  @Test
  void checkpointsAreContentAddressedAndVerified() throws IOException {
    Path dir = tmp.resolve("c");
    run(dir, 6, false, -1);
    CheckpointStore store = new CheckpointStore(dir);
    String ref = store.latest("run").orElseThrow();
    assertEquals(ref, CheckpointStore.sha256(Files.readAllBytes(dir.resolve(ref + ".ckpt"))));
    try (var files = Files.list(dir)) {
      assertEquals(3, files.filter(f -> f.toString().endsWith(".ckpt")).count(), "steps 6, 12 and 18 (the end)");
    }
    byte[] bytes = Files.readAllBytes(dir.resolve(ref + ".ckpt"));
    bytes[bytes.length - 1] ^= 1;
    Files.write(dir.resolve(ref + ".ckpt"), bytes);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.get(ref));
    assertTrue(e.getMessage().contains("damaged"), e.getMessage());
  }

  @Test
  void aCheckpointOfAnotherRunIsNotResumed() throws IOException {
    Path dir = tmp.resolve("d");
    assertThrows(Crash.class, () -> run(dir, 5, false, 6));
    CheckpointStore store = new CheckpointStore(dir);
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    NetworkLatency latency = NetworkLatency.of(space, HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    FashionMnist.Splits d = FashionMnist.load(tmp.resolve("data"));
    ObjectNode other = new ObjectMapper().createObjectNode().put("supernet", "tiny").put("seed", 12);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> SinglePathSearch.run(space, latency,
        d.train(), null, d.train().statistics(), Augmentation.NONE, SearchSettings.defaults(16, 5, 1, 12), 2, 2,
        new RunCheckpoints(store, "run", 5, other, true), p -> {}));
    assertTrue(e.getMessage().contains("other settings"), e.getMessage());
  }
}
