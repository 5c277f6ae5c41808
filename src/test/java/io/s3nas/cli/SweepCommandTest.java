package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code s3nas sweep}: one warm-up, one search per budget, a front, and what the shared warm-up saved. */
class SweepCommandTest {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void everyBudgetButTheFirstForksTheFirstsWarmupAndTheFrontIsDrawn() throws Exception {
    Path conf = TinySearch.config(tmp, "sw", 160, 0.7, "warmup-epochs = 4\nsearch-epochs = 1\nfinal-epochs = 1\n"
        + "batch = 16\n");
    NetworkLatency nl = NetworkLatency.of(SearchSpace.of(ModelJson.read(tmp.resolve("tiny.json"))),
        HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    String low = String.format(Locale.ROOT, "%.4f", nl.maxMs());
    String high = String.format(Locale.ROOT, "%.4f", 1.4 * nl.maxMs());
    assertEquals(2, CliTest.run("sweep", "--config", conf.toString(), "--budgets-ms", low, "--data-dir",
        tmp.resolve("d").toString()).code(), "one budget is not a sweep");
    CliTest.Result r = CliTest.run("sweep", "--config", conf.toString(), "--budgets-ms", high + "," + low, "--data-dir",
        tmp.resolve("d").toString(), "--run-dir", tmp.resolve("runs").toString(), "--checkpoint-every", "7");
    assertEquals(0, r.code(), r.err());
    JsonNode sweep = new ObjectMapper().readTree(tmp.resolve("runs/sw-sweep/sweep.json").toFile());
    JsonNode nets = sweep.get("networks");
    assertEquals(2, nets.size());
    assertTrue(nets.get(0).get("forked_from").isNull(), "the lowest budget trains the warm-up");
    assertEquals(nets.get(0).get("search_id").asText(), nets.get(1).get("forked_from").asText());
    for (JsonNode n : nets) {
      assertTrue(n.get("within_budget").asBoolean() && n.get("measured_latency_ms").asDouble() <= n.get("budget_ms")
          .asDouble(), n.toString());
    }
    // the sweep's cost is its searches' ledgers; a fork counted on its own is charged the supernet
    // training it took from the first search (at this size CPU seconds are mostly overhead, so only the
    // accounting is checked; sweep-short measured 62%: docs/design.md, "Sweeps")
    ObjectMapper m = new ObjectMapper();
    JsonNode first = m.readTree(tmp.resolve("runs").resolve(nets.get(0).get("search_id").asText()).resolve("result.json")
        .toFile()).get("cost");
    JsonNode fork = m.readTree(tmp.resolve("runs").resolve(nets.get(1).get("search_id").asText()).resolve("result.json")
        .toFile()).get("cost");
    double forkCpu = fork.get("total").get("cpu_seconds").asDouble();
    double own = forkCpu + Math.max(0, first.get("supernet").get("cpu_seconds").asDouble()
        - fork.get("supernet").get("cpu_seconds").asDouble());
    assertEquals(forkCpu, nets.get(1).get("cpu_seconds").asDouble(), 1e-9);
    assertEquals(own, nets.get(1).get("cpu_seconds_on_its_own").asDouble(), 1e-9);
    double firstCpu = first.get("total").get("cpu_seconds").asDouble();
    assertEquals(firstCpu + forkCpu, sweep.get("cost").get("cpu_seconds").asDouble(), 1e-9);
    assertEquals((firstCpu + forkCpu) / (firstCpu + own), sweep.get("cost").get("ratio").asDouble(), 1e-9);
    assertTrue(Files.size(tmp.resolve("runs/sw-sweep/front.png")) > 1000);
    assertTrue(Files.readString(tmp.resolve("runs/sw-sweep/sweep.html")).contains("front.png"));
    // run again: every search is done, the sweep only reports
    CliTest.Result again = CliTest.run("sweep", "--config", conf.toString(), "--budgets-ms", high + "," + low,
        "--data-dir", tmp.resolve("d").toString(), "--run-dir", tmp.resolve("runs").toString(), "--checkpoint-every", "7");
    assertEquals(0, again.code(), again.err());
  }
}
