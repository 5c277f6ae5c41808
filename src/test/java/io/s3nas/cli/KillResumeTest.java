package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.EmbeddedJournal;
import io.s3nas.actors.SearchJournal;
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
 * {@code kill -9} of the search's JVM in the middle of the supernet stage and of final training,
 * then {@code s3nas search} again with the same id: the search completes with the same result as an
 * uninterrupted run, and the journal holds each stage's completion exactly once.
 */
class KillResumeTest {
  @TempDir Path tmp;

  Path config() throws IOException {
    return TinySearch.config(tmp, "kr", 160, 0.7,
        "warmup-epochs = 1\nsearch-epochs = 1\nfinal-epochs = 1\nbatch = 16\n");
  }

  Process start(Path conf, Path state, Path runs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "--add-modules", "jdk.incubator.vector", "-cp", manifestJar().toString(),
        "io.s3nas.cli.Main", "search", "--config", conf.toString(), "--data-dir", state.toString(), "--run-dir",
        runs.toString(), "--checkpoint-every", "2"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
  }

  /**
   * The test class path as a manifest-only jar: ONNX Runtime crashes a JVM whose java.class.path is
   * longer than about 3.8 KB (stack.md trap 7), and surefire reports the whole list there.
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

  /** Polls the journal (as another process would) until the predicate holds or the child exits. */
  void awaitThenKill(Process p, SearchJournal j, Predicate<SearchSupervisor.Status> when) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline && p.isAlive()) {
      SearchSupervisor.Status s = SearchSupervisor.status("kr", j.state("kr").toCompletableFuture().get());
      if (when.test(s)) {
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
        p.waitFor();
        return;
      }
      Thread.sleep(100);
    }
  }

  @Test
  void killedTwiceTheSearchCompletesAsIfUninterrupted() throws Exception {
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
      Process p = start(conf, state, tmp.resolve("runs-b"));
      awaitThenKill(p, j, s -> s.stage() == Stage.SUPERNET && s.step() >= 4);
      p = start(conf, state, tmp.resolve("runs-b"));
      awaitThenKill(p, j, s -> s.stage() == Stage.FINAL_TRAINING && s.step() >= 2);
      p = start(conf, state, tmp.resolve("runs-b"));
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
