package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.EmbeddedJournal;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchStates;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.actors.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk in the middle of a search: the search's JVM runs under a 64 KB file-size limit
 * ({@code ulimit -f}: every write past it fails as a full disk does), so the supernet's first
 * checkpoint cannot be written. The search is suspended, not failed: the process exits 1 naming the
 * operating system's reason and the resume command, the journal holds the suspension, and once the
 * limit is gone {@code s3nas resume} finishes the search with every stage completed once.
 */
class DiskFullTest {
  @TempDir Path tmp;

  @Test
  void aFullDiskSuspendsTheSearchAndAResumeFinishesIt() throws Exception {
    Path conf = TinySearch.config(tmp, "df", 160, 0.7,
        "warmup-epochs = 2\nsearch-epochs = 2\nfinal-epochs = 1\nbatch = 16\n");
    KillResumeTest jvm = new KillResumeTest();
    jvm.tmp = tmp;
    Path state = tmp.resolve("state");
    Path runs = tmp.resolve("runs");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cmd = "ulimit -f 64; exec " + javaBin + " -Xmx1g --add-modules jdk.incubator.vector -cp " + jvm.manifestJar()
        + " io.s3nas.cli.Main search --config " + conf + " --data-dir " + state + " --run-dir " + runs
        + " --checkpoint-every 2";
    // its output through a pipe: a log file would be held to the same limit
    Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
    java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the limited search ends");
    String out = output.get(1, TimeUnit.MINUTES);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("search df suspended at SUPERNET") && out.contains("File too large")
        && out.contains("s3nas resume df"), out);

    ActorSystem<Void> reader = ActorSystem.create(Behaviors.empty(), "reader",
        EmbeddedJournal.config(state).withFallback(ConfigFactory.load()));
    try {
      SearchJournal j = new SearchJournal(reader);
      List<SearchSupervisor.Event> events = j.events("df").toCompletableFuture().get();
      assertEquals(1, events.stream().filter(SearchSupervisor.SearchSuspended.class::isInstance).count());
      assertEquals(0, events.stream().filter(SearchSupervisor.SearchFailed.class::isInstance).count(), "not failed");
      SearchSupervisor.State st = new SearchSupervisor.Empty();
      for (SearchSupervisor.Event e : events) {
        st = SearchStates.apply(st, e);
      }
      SearchSupervisor.Status s = SearchStates.status("df", st);
      assertTrue(s.paused() && s.stage() == Stage.SUPERNET && s.detail().contains("File too large"), s.toString());
    } finally {
      reader.terminate();
      reader.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }

    CliTest.Result resumed = CliTest.run("resume", "df", "--data-dir", state.toString(), "--run-dir", runs.toString(),
        "--checkpoint-every", "2");
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(Files.exists(runs.resolve("df/result.json")), "finished after the space came back");
  }
}
