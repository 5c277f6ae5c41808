package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.EmbeddedJournal;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchStates;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.actors.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the search's JVM in the supernet warm-up, in the search phase and in final
 * training, and a halt (the same: no hooks, nothing flushed) after the scaling and post-processing
 * work but before their decisions are persisted; after each, {@code s3nas search} again with the same
 * id. The search completes with the same result as an uninterrupted run, and the journal holds each
 * stage's completion exactly once.
 */
class KillResumeTest {
  @TempDir Path tmp;

  Path config() throws IOException {
    return TinySearch.config(tmp, "kr", 160, 0.7,
        "warmup-epochs = 2\nsearch-epochs = 2\nfinal-epochs = 1\nbatch = 16\ncost-record-seconds = 1\n");
  }

  /** Starts {@code s3nas search} in a new JVM; {@code haltAfter} (or null) is the stage it crashes after. */
  Process start(Path conf, Path state, Path runs, String haltAfter) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "--add-modules", "jdk.incubator.vector", "-cp", manifestJar().toString(),
        "io.s3nas.cli.Main", "search", "--config", conf.toString(), "--data-dir", state.toString(), "--run-dir",
        runs.toString(), "--checkpoint-every", "2"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.log").toFile()));
    if (haltAfter != null) {
      pb.environment().put("S3NAS_HALT_AFTER", haltAfter);
    }
    return pb.start();
  }

  /**
   * The test class path as a manifest-only jar: ONNX Runtime crashes a JVM whose java.class.path is
   * longer than about 3.8 KB (docs/platform-notes.md §2), and surefire reports the whole list there.
   */
  Path manifestJar() throws IOException {
    Path jar = tmp.resolve("classpath.jar");
    if (!Files.exists(jar)) {
      StringBuilder cp = new StringBuilder();
      for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
        if (!e.isBlank()) {
          cp.append(Path.of(e).toAbsolutePath().toUri()).append(' ');
        }
      }
      java.util.jar.Manifest mf = new java.util.jar.Manifest();
      mf.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
      mf.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, cp.toString().strip());
      try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), mf)) {
        // manifest only
      }
    }
    return jar;
  }

  /** The search's journal as another process reads it. */
  record Journal(Stage stage, long step, String phase, List<SearchSupervisor.Event> events) {
    long count(Class<?> c) {
      return events.stream().filter(c::isInstance).count();
    }

    static Journal read(SearchJournal j) throws Exception {
      List<SearchSupervisor.Event> events = j.events("kr").toCompletableFuture().get();
      SearchSupervisor.State st = new SearchSupervisor.Empty();
      String phase = null;
      for (SearchSupervisor.Event e : events) {
        st = SearchStates.apply(st, e);
        if (e instanceof SearchSupervisor.SupernetProgress p) {
          phase = p.phase();
        }
      }
      SearchSupervisor.Status s = SearchStates.status("kr", st);
      return new Journal(s.stage(), s.step(), phase, events);
    }
  }

  /** Polls the journal until the predicate holds, then kills the child with SIGKILL. */
  Journal awaitThenKill(Process p, SearchJournal j, Predicate<Journal> when) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline && p.isAlive()) {
      Journal now = Journal.read(j);
      if (when.test(now)) {
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
        p.waitFor();
        return Journal.read(j);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the kill point never came; child log:\n" + Files.readString(tmp.resolve("child.log")));
  }

  /** Waits for a child that halts itself after a stage's work (exit 137, as a SIGKILL gives). */
  Journal awaitHalt(Process p, SearchJournal j) throws Exception {
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the child halts");
    assertEquals(137, p.exitValue(), Files.readString(tmp.resolve("child.log")));
    return Journal.read(j);
  }

  @Test
  void killedInEveryStageTheSearchCompletesAsIfUninterrupted() throws Exception {
    Path conf = config();
    CliTest.Result whole = CliTest.run("search", "--config", conf.toString(), "--data-dir", tmp.resolve("a").toString(),
        "--run-dir", tmp.resolve("runs-a").toString(), "--checkpoint-every", "2");
    assertEquals(0, whole.code(), whole.err());
    Path state = tmp.resolve("b");
    EmbeddedJournal.createSchema(state);
    ActorSystem<Void> reader = ActorSystem.create(Behaviors.empty(), "reader",
        EmbeddedJournal.config(state).withFallback(ConfigFactory.load()));
    try {
      SearchJournal j = new SearchJournal(reader);
      Path runs = tmp.resolve("runs-b");
      Journal k = awaitThenKill(start(conf, state, runs, null), j,
          x -> x.stage() == Stage.SUPERNET && "warmup".equals(x.phase()) && x.step() >= 4);
      assertEquals("warmup", k.phase(), "killed in the warm-up");
      k = awaitThenKill(start(conf, state, runs, null), j,
          x -> x.stage() == Stage.SUPERNET && "search".equals(x.phase()));
      assertEquals("search", k.phase(), "killed in the search phase");
      assertEquals(Stage.SUPERNET, k.stage(), "killed before the architecture was derived");
      k = awaitHalt(start(conf, state, runs, "scaling"), j);
      assertEquals(Stage.SCALING, k.stage(), "crashed in scaling");
      assertEquals(0, k.count(SearchSupervisor.ScalingChosen.class), "the crash lost the scaling decision");
      k = awaitHalt(start(conf, state, runs, "post-processing"), j);
      assertEquals(Stage.POST_PROCESSING, k.stage(), "crashed in post-processing");
      assertEquals(0, k.count(SearchSupervisor.PostProcessDecided.class), "the crash lost the post-processing decision");
      k = awaitThenKill(start(conf, state, runs, null), j, x -> x.stage() == Stage.FINAL_TRAINING && x.step() >= 2);
      assertEquals(Stage.FINAL_TRAINING, k.stage(), "killed in final training");
      Process p = start(conf, state, runs, null);
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the resumed search finishes");
      assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("child.log")));
      List<SearchSupervisor.Event> events = j.events("kr").toCompletableFuture().get();
      for (Class<?> c : List.of(SearchSupervisor.LatencyTableReady.class, SearchSupervisor.ArchitectureDerived.class,
          SearchSupervisor.ScalingChosen.class, SearchSupervisor.PostProcessDecided.class,
          SearchSupervisor.SearchCompleted.class)) {
        assertEquals(1, events.stream().filter(c::isInstance).count(), c.getSimpleName() + " exactly once");
      }
      ObjectMapper m = new ObjectMapper();
      JsonNode a = m.readTree(tmp.resolve("runs-a/kr/result.json").toFile());
      JsonNode b = m.readTree(tmp.resolve("runs-b/kr/result.json").toFile());
      assertEquals(a.get("block_strings"), b.get("block_strings"), "same final architecture");
      assertEquals(a.get("top1").asDouble(), b.get("top1").asDouble(), 1e-9, "same trained network");
      // the cost ledger has every stage, the crashed processes' work included (docs/design.md, "Cost ledger")
      for (String stage : List.of("latency_table", "supernet", "scaling", "post_processing", "final_training", "export",
          "total")) {
        JsonNode c = b.get("cost").get(stage);
        assertTrue(c != null && c.get("wall_seconds").asDouble() > 0 && c.get("cpu_seconds").asDouble() > 0
            && c.get("replayed_steps").asLong() >= 0, stage + " in " + b.get("cost"));
      }
      long killedRuns = events.stream().filter(SearchSupervisor.CostIncurred.class::isInstance)
          .map(e -> ((SearchSupervisor.CostIncurred) e).stage()).filter(st -> st == Stage.SUPERNET).count();
      assertTrue(killedRuns >= 3, "the supernet's stretches of three processes are recorded: " + killedRuns);
      SearchSupervisor.ArchitectureDerived da = (SearchSupervisor.ArchitectureDerived) events.stream()
          .filter(SearchSupervisor.ArchitectureDerived.class::isInstance).findFirst().orElseThrow();
      assertEquals(m.readTree(tmp.resolve("runs-a/kr/derived_model.json").toFile()), m.readTree(da.modelJson()),
          "same derived architecture");
    } finally {
      // the journal file closes with the system; the temp folder can only be deleted after that
      reader.terminate();
      reader.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

}
