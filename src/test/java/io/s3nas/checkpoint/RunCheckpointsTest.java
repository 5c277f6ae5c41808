package io.s3nas.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.common.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crash safety of a run's checkpoints: damage, a lost pointer, a journal ahead of the files, pruning. */
class RunCheckpointsTest {
  @TempDir Path dir;

  final ObjectNode identity = new ObjectMapper().createObjectNode().put("run", "x");

  RunCheckpoints ck(String expected) {
    return new RunCheckpoints(new CheckpointStore(dir), "run", 1, identity, true, 3, expected);
  }

  /** Saves checkpoints after steps 1..n; returns their references. */
  List<String> save(int n) {
    List<String> refs = new ArrayList<>();
    RunCheckpoints c = ck(null);
    for (int step = 1; step <= n; step++) {
      TensorArchive a = new TensorArchive(TensorArchive.empty().meta(), Map.of("w", new float[] {step}), Map.of());
      a.meta().put("step", step);
      refs.add(c.save(a, Map.of("loss", new double[step])));
    }
    return refs;
  }

  long step(RunCheckpoints c) {
    return c.latest().orElseThrow().meta().path("step").asLong();
  }

  @Test
  void aDamagedNewestCheckpointResumesFromThePreviousOne() throws Exception {
    List<String> refs = save(3);
    Path newest = dir.resolve(refs.get(2) + ".ckpt");
    byte[] b = Files.readAllBytes(newest);
    b[b.length / 2] ^= 1; // one flipped bit
    Files.write(newest, b);
    assertEquals(2, step(ck(null)), "the previous, intact checkpoint");
    Files.delete(dir.resolve(refs.get(1) + ".ckpt"));
    assertEquals(1, step(ck(null)), "and the one before it");
  }

  @Test
  void aLostPointerIsReplacedByTheJournalsReferenceAndAJournalAheadOfTheFilesIsAnError() throws Exception {
    List<String> refs = save(2);
    Files.delete(dir.resolve("run.latest"));
    assertTrue(ck(null).latest().isEmpty(), "without the journal's word, nothing to resume (step 0)");
    assertEquals(2, step(ck(refs.get(1))), "the journal names the checkpoint: resumed, not restarted");
    Files.delete(dir.resolve(refs.get(1) + ".ckpt"));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ck(refs.get(1)).latest());
    assertTrue(e.getMessage().contains(refs.get(1)) && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void onlyTheNewestFewAreKept() throws Exception {
    List<String> refs = save(6);
    for (int i = 0; i < 6; i++) {
      assertEquals(i >= 3, Files.exists(dir.resolve(refs.get(i) + ".ckpt")), "checkpoint " + (i + 1));
    }
    assertEquals(List.of(refs.get(5), refs.get(4), refs.get(3)), new CheckpointStore(dir).history("run"));
  }
}
