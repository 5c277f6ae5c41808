package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pause, resume and cancel of a running search, asked through the journal as another process would. */
class ControlCliTest {
  @TempDir Path tmp;

  String stateOf(String state, String id) throws Exception {
    CliTest.Result s = CliTest.run("status", id, "--data-dir", state, "--json");
    if (s.code() != 0) {
      return "none";
    }
    var j = new ObjectMapper().readTree(s.out());
    return (j.get("paused").asBoolean() ? "paused" : j.get("state").asText()) + "/" + j.get("stage").asText();
  }

  void awaitSupernet(String state, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!stateOf(state, id).equals("running/supernet") && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertEquals("running/supernet", stateOf(state, id), "the search reached its supernet within 2 minutes");
  }

  @Test
  void pauseFreesTheProcessResumeContinuesCancelEnds() throws Exception {
    Path conf = TinySearch.config(tmp, "ctl", 400, 1.0,
        // long enough that the resumed search is still in its supernet when looked at (it is cancelled there)
        "warmup-epochs = 300\nsearch-epochs = 1\nfinal-epochs = 1\nbatch = 16\n");
    String state = tmp.resolve("state").toString();
    String runs = tmp.resolve("runs").toString();
    CompletableFuture<CliTest.Result> first = CompletableFuture.supplyAsync(() -> CliTest.run("search", "--config",
        conf.toString(), "--data-dir", state, "--run-dir", runs, "--checkpoint-every", "5"));
    awaitSupernet(state, "ctl");
    assertTrue(!first.isDone(), () -> "the search ended early: " + first.join().err());
    // one process runs a search at a time: a second one is refused, naming the first
    CliTest.Result twice = CliTest.run("resume", "ctl", "--data-dir", state, "--run-dir", runs);
    assertEquals(2, twice.code(), twice.err());
    assertTrue(twice.err().contains("is run by process") && twice.err().contains("ctl.lock"), twice.err());
    CliTest.Result again = CliTest.run("search", "--config", conf.toString(), "--data-dir", state, "--run-dir", runs,
        "--checkpoint-every", "5");
    assertEquals(2, again.code(), again.err());
    CliTest.Result pause = CliTest.run("pause", "ctl", "--data-dir", state);
    assertEquals(0, pause.code(), pause.err());
    CliTest.Result firstResult = first.get(2, TimeUnit.MINUTES);
    assertEquals(0, firstResult.code(), firstResult.err());
    assertTrue(firstResult.err().contains("paused"), firstResult.err());
    assertEquals("paused/supernet", stateOf(state, "ctl"));
    // its process has exited: a request would have no reader
    CliTest.Result whilePaused = CliTest.run("cancel", "ctl", "--data-dir", state);
    assertEquals(2, whilePaused.code());
    assertTrue(whilePaused.err().contains("s3nas resume ctl"), whilePaused.err());
    CompletableFuture<CliTest.Result> second = CompletableFuture.supplyAsync(() -> CliTest.run("resume", "ctl",
        "--data-dir", state, "--run-dir", runs, "--checkpoint-every", "5"));
    Thread.sleep(3000);
    awaitSupernet(state, "ctl");
    CliTest.Result cancel = CliTest.run("cancel", "ctl", "--data-dir", state, "--reason", "enough");
    assertEquals(0, cancel.code(), cancel.err());
    CliTest.Result secondResult = second.get(2, TimeUnit.MINUTES);
    assertEquals(1, secondResult.code());
    assertTrue(secondResult.err().contains("cancelled") && secondResult.err().contains("enough"), secondResult.err());
    assertEquals("cancelled/done", stateOf(state, "ctl"));
    CliTest.Result late = CliTest.run("cancel", "ctl", "--data-dir", state);
    assertEquals(2, late.code());
    CliTest.Result dots = CliTest.run("search", "--config", conf.toString(), "--id", "..", "--data-dir", state);
    assertEquals(2, dots.code());
    assertTrue(dots.err().contains("--id"), dots.err());
  }
}
