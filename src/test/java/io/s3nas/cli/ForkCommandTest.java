package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.EmbeddedJournal;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code s3nas fork}: a new search that continues its source's supernet from the end of the warm-up
 * for another budget and target, trains only the search phase, and leaves the source as it was.
 */
class ForkCommandTest {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void aForkSearchesFromItsSourcesWarmupEndForItsOwnBudgetAndLeavesTheSourceUnchanged() throws Exception {
    Path conf = TinySearch.config(tmp, "src", 160, 0.7, "warmup-epochs = 4\nsearch-epochs = 1\nfinal-epochs = 1\n"
        + "batch = 16\n");
    String data = tmp.resolve("d").toString();
    String runs = tmp.resolve("runs").toString();
    CliTest.Result src = CliTest.run("search", "--config", conf.toString(), "--data-dir", data, "--run-dir", runs,
        "--checkpoint-every", "7");
    assertEquals(0, src.code(), src.err());
    byte[] sourceResult = Files.readAllBytes(tmp.resolve("runs/src/result.json"));
    // the spec beside the outputs (what the launcher sizes a fork's heap from)
    assertEquals(ModelJson.read(tmp.resolve("tiny.json")), ModelJson.read(Path.of(new ObjectMapper().readTree(
        tmp.resolve("runs/src/spec.json").toFile()).get("supernet").asText())));
    List<SearchSupervisor.Event> sourceEvents = events("src");
    String pinned = RunCheckpoints.pinned(new CheckpointStore(tmp.resolve("d/checkpoints")), "src-supernet",
        SinglePathSearch.WARMUP_END).orElseThrow();

    // nothing changed, no source, a later fork point: refused before anything is written
    assertEquals(2, CliTest.run("fork", "src", "--id", "f0", "--data-dir", data, "--run-dir", runs).code());
    CliTest.Result none = CliTest.run("fork", "nope", "--id", "f0", "--budget-ms", "1", "--data-dir", data);
    assertEquals(2, none.code());
    assertTrue(none.err().contains("'nope'"), none.err());
    assertEquals(2, CliTest.run("fork", "src", "--id", "f0", "--budget-ms", "1", "--at", "later", "--data-dir", data)
        .code());
    CliTest.Result notACheckpoint = CliTest.run("fork", "src", "--id", "f0", "--budget-ms", "1", "--at", "1",
        "--data-dir", data);
    assertTrue(notACheckpoint.code() == 2 && notACheckpoint.err().contains("SearchSubmitted"), notACheckpoint.err());

    NetworkLatency nl = NetworkLatency.of(SearchSpace.of(ModelJson.read(tmp.resolve("tiny.json"))),
        HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    double budget = nl.maxMs();
    double target = nl.minMs() + 0.3 * (nl.maxMs() - nl.minMs());
    CliTest.Result fork = CliTest.run("fork", "src", "--id", "f1", "--budget-ms", String.format(Locale.ROOT, "%.6f", budget),
        "--search-target-ms", String.format(Locale.ROOT, "%.6f", target), "--data-dir", data, "--run-dir", runs,
        "--checkpoint-every", "7");
    assertEquals(0, fork.code(), fork.err());
    assertTrue(fork.err().contains("forked from src"), fork.err());

    List<SearchSupervisor.Event> forkEvents = events("f1");
    SearchSupervisor.SearchSubmitted first = (SearchSupervisor.SearchSubmitted) forkEvents.get(0);
    assertEquals("src", first.forkedFrom().searchId());
    assertEquals(pinned, first.forkedFrom().checkpointRef());
    SearchSupervisor.SupernetProgress atWarmupEnd =
        (SearchSupervisor.SupernetProgress) sourceEvents.get((int) first.forkedFrom().eventSeq() - 1);
    assertEquals(pinned, atWarmupEnd.checkpointRef());
    assertEquals("warmup", atWarmupEnd.phase());
    // the fork's supernet trained the search phase only
    long warmupSteps = atWarmupEnd.step();
    assertTrue(forkEvents.stream().filter(SearchSupervisor.SupernetProgress.class::isInstance)
        .map(SearchSupervisor.SupernetProgress.class::cast).allMatch(p -> p.step() > warmupSteps && "search".equals(p.phase())),
        "only search-phase checkpoints");

    JsonNode f = new ObjectMapper().readTree(tmp.resolve("runs/f1/result.json").toFile());
    JsonNode s = new ObjectMapper().readTree(sourceResult);
    assertEquals("src", f.get("forked_from").get("search_id").asText());
    assertEquals(budget, f.get("budget_ms").asDouble(), 1e-6);
    assertTrue(f.get("within_budget").asBoolean() && f.get("estimated_latency_ms").asDouble() <= budget);
    // the cost ledger covers the search phase only (CPU seconds of a run this small are overhead; the
    // quickstart's fork measured 51% of its source's: docs/design.md, "Sweeps")
    List<SearchSupervisor.CostIncurred> supernet = forkEvents.stream().filter(SearchSupervisor.CostIncurred.class::isInstance)
        .map(SearchSupervisor.CostIncurred.class::cast).filter(c -> c.stage() == io.s3nas.actors.Stage.SUPERNET).toList();
    assertEquals(warmupSteps, supernet.get(0).fromStep(), "the fork's first stretch starts at the warm-up end");
    assertEquals(0, f.get("cost").get("supernet").get("replayed_steps").asLong());
    assertTrue(s.get("cost").get("supernet").get("cpu_seconds").asDouble() > 0);

    // explain --json: evidence for every block of the fork's network
    CliTest.Result explained = CliTest.run("explain", "f1", "--json", "--data-dir", data);
    assertEquals(0, explained.code(), explained.err());
    JsonNode x = new ObjectMapper().readTree(explained.out());
    int finalBlocks = 0;
    for (JsonNode stage : f.get("block_strings")) {
      finalBlocks += stage.size();
    }
    assertEquals(finalBlocks, x.get("blocks").size(), explained.out());
    for (JsonNode b : x.get("blocks")) {
      JsonNode sn = b.get("evidence").get("supernet");
      assertTrue(sn != null && sn.get("alternatives").size() >= 2 && sn.has("last_flip_step")
          && sn.get("branches").size() >= 1 && sn.has("norms_at_step"), b.toString());
      int chosen = 0;
      for (JsonNode a : sn.get("alternatives")) {
        chosen += a.get("chosen").asBoolean() ? 1 : 0;
      }
      assertEquals(1, chosen, b.toString());
      assertTrue(b.get("evidence").get("scaling").get("derived_block").isInt(), b.toString());
    }
    // the fork's own search derived: the norms shown are those of the step it read
    JsonNode derivation = x.get("decisions").get(0);
    assertEquals("derivation", derivation.get("kind").asText());
    for (JsonNode b : x.get("blocks")) {
      assertEquals(derivation.get("step").asLong(), b.get("evidence").get("supernet").get("norms_at_step").asLong());
    }
    assertEquals("scaling", x.get("decisions").get(1).get("kind").asText());
    assertTrue(x.get("sources").get("scaling.json").asText().startsWith("sha256:"), x.get("sources").toString());
    assertEquals(2, CliTest.run("explain", "f1", "--block", "999", "--data-dir", data).code());
    CliTest.Result text = CliTest.run("explain", "f1", "--block", "0", "--data-dir", data);
    assertTrue(text.code() == 0 && text.out().startsWith("block 0 (stage 0)") && text.out().contains("supernet block"),
        text.out() + text.err());
    // the export wrote the same evidence for the report
    JsonNode written = new ObjectMapper().readTree(tmp.resolve("runs/f1/explain.json").toFile());
    assertEquals(x.get("blocks"), written.get("blocks"));
    assertTrue(Files.readString(tmp.resolve("runs/f1/report.html")).contains("<h2>Why each block</h2>"));
    assertTrue(Files.readString(tmp.resolve("runs/f1/report.html")).contains("<p id=\"derivation\">Derived from the "
        + "decisions of step "));

    // the source is only read
    assertEquals(sourceEvents.size(), events("src").size());
    assertTrue(java.util.Arrays.equals(sourceResult, Files.readAllBytes(tmp.resolve("runs/src/result.json"))));
    // and a fork of the fork starts where the fork did
    CliTest.Result again = CliTest.run("fork", "f1", "--id", "f2", "--budget-fraction", "0.9", "--data-dir", data,
        "--run-dir", runs, "--checkpoint-every", "7");
    assertEquals(0, again.code(), again.err());
    assertEquals(pinned, ((SearchSupervisor.SearchSubmitted) events("f2").get(0)).forkedFrom().checkpointRef());

    // --at EVENT-SEQ: from a search-phase checkpoint the source still keeps, the search phase continues
    int seq = 0;
    for (int i = sourceEvents.size() - 1; i >= 0 && seq == 0; i--) {
      if (sourceEvents.get(i) instanceof SearchSupervisor.SupernetProgress p && "search".equals(p.phase())
          && new CheckpointStore(tmp.resolve("d/checkpoints")).contains(p.checkpointRef())) {
        seq = i + 1;
      }
    }
    assertTrue(seq > 0, "a kept search-phase checkpoint");
    long atStep = ((SearchSupervisor.SupernetProgress) sourceEvents.get(seq - 1)).step();
    CliTest.Result fromEvent = CliTest.run("fork", "src", "--id", "e1", "--budget-ms", String.format(Locale.ROOT,
        "%.6f", budget), "--search-target-ms", String.format(Locale.ROOT, "%.6f", target), "--at", String.valueOf(seq),
        "--data-dir", data, "--run-dir", runs, "--checkpoint-every", "7");
    assertEquals(0, fromEvent.code(), fromEvent.err());
    SearchSupervisor.SearchSubmitted eSub = (SearchSupervisor.SearchSubmitted) events("e1").get(0);
    assertEquals(seq, eSub.forkedFrom().eventSeq());
    assertTrue(events("e1").stream().filter(SearchSupervisor.SupernetProgress.class::isInstance)
        .map(SearchSupervisor.SupernetProgress.class::cast).allMatch(p -> p.step() > atStep), "from that step on");
    assertTrue(new ObjectMapper().readTree(tmp.resolve("runs/e1/result.json").toFile()).get("within_budget")
        .asBoolean());

    // --at derived: the source's derived architecture scaled to a new budget, no supernet trained
    String b = String.format(Locale.ROOT, "%.6f", budget);
    assertEquals(2, CliTest.run("fork", "src", "--id", "d0", "--budget-ms", b, "--at", "derived", "--search-target-ms",
        String.format(Locale.ROOT, "%.6f", target), "--data-dir", data).code(), "derived keeps the source's target");
    CliTest.Result low = CliTest.run("fork", "src", "--id", "d0", "--budget-ms", "0.000001", "--at", "derived",
        "--data-dir", data);
    assertTrue(low.code() == 2 && low.err().contains("searched at"), low.err());
    CliTest.Result derived = CliTest.run("fork", "src", "--id", "d1", "--budget-ms", b, "--at", "derived", "--data-dir",
        data, "--run-dir", runs);
    assertEquals(0, derived.code(), derived.err());
    List<SearchSupervisor.Event> dEvents = events("d1");
    SearchSupervisor.SearchSubmitted dSub = (SearchSupervisor.SearchSubmitted) dEvents.get(0);
    assertTrue(dSub.forkedFrom().derived());
    SearchSupervisor.ArchitectureDerived srcDerived =
        (SearchSupervisor.ArchitectureDerived) sourceEvents.get((int) dSub.forkedFrom().eventSeq() - 1);
    assertTrue(dEvents.stream().noneMatch(SearchSupervisor.SupernetProgress.class::isInstance), "no supernet training");
    assertEquals(srcDerived.modelJson(), dEvents.stream().filter(SearchSupervisor.ArchitectureDerived.class::isInstance)
        .map(SearchSupervisor.ArchitectureDerived.class::cast).findFirst().orElseThrow().modelJson());
    assertTrue(new CheckpointStore(tmp.resolve("d/checkpoints")).latestArchive("d1-supernet").isEmpty());
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("runs/src/derived_model.json")),
        Files.readAllBytes(tmp.resolve("runs/d1/derived_model.json"))), "the source's derived architecture");
    JsonNode d = new ObjectMapper().readTree(tmp.resolve("runs/d1/result.json").toFile());
    assertEquals("derived", d.get("forked_from").get("at").asText());
    assertTrue(d.get("within_budget").asBoolean() && d.get("estimated_latency_ms").asDouble() <= budget, d.toString());
    assertTrue(d.get("cost").get("supernet").get("cpu_seconds").asDouble()
        < 0.2 * s.get("cost").get("supernet").get("cpu_seconds").asDouble(), d.get("cost").toString());
    // the evidence of the supernet that derived it
    CliTest.Result dx = CliTest.run("explain", "d1", "--json", "--data-dir", data);
    assertEquals(0, dx.code(), dx.err());
    int dBlocks = 0;
    for (JsonNode stage : d.get("block_strings")) {
      dBlocks += stage.size();
    }
    assertEquals(dBlocks, new ObjectMapper().readTree(dx.out()).get("blocks").size());
    // a derived fork trained no supernet to fork at its warm-up end
    CliTest.Result noWarmup = CliTest.run("fork", "d1", "--id", "d2", "--budget-ms", b, "--data-dir", data);
    assertTrue(noWarmup.code() == 2 && noWarmup.err().contains("'src'"), noWarmup.err());
    assertEquals(sourceEvents.size(), events("src").size());
  }

  private List<SearchSupervisor.Event> events(String id) throws Exception {
    ActorSystem<Void> reader = ActorSystem.create(Behaviors.empty(), "reader",
        EmbeddedJournal.config(tmp.resolve("d")).withFallback(ConfigFactory.load()));
    try {
      return new SearchJournal(reader).events(id).toCompletableFuture().get(1, TimeUnit.MINUTES);
    } finally {
      reader.terminate();
      reader.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }
}
