package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code s3nas sweep --cluster}: the first budget's search and its forks run on a cluster of three
 * node JVMs over PostgreSQL, the forks submitted as soon as the warm-up checkpoint exists and running
 * at the same time; the sweep's front is drawn from their results.
 */
class ClusterSweepTest {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void aSweepOnAClusterRunsItsForksInParallelAndDrawsTheFront() throws Exception {
    Path conf = TinySearch.config(tmp, "sw", 200, 0.5, "warmup-epochs = 3\nsearch-epochs = 2\nfinal-epochs = 2\n"
        + "batch = 16\n");
    double b = Math.ceil(TinySearch.budgetMs(tmp) * 1000) / 1000;
    List<String> budgets = List.of(b, b * 1.2, b * 1.4).stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList();
    LocalPostgres pg = LocalPostgres.start();
    ClusterFailoverTest cluster = new ClusterFailoverTest();
    cluster.tmp = tmp;
    List<ClusterFailoverTest.Node> nodes = new ArrayList<>();
    try {
      nodes.addAll(cluster.startCluster(pg));
      String node = "http://127.0.0.1:" + nodes.get(0).httpPort();
      // a bad address or fork point is refused before anything is submitted
      assertEquals(2, CliTest.run("sweep", "--config", conf.toString(), "--budgets-ms", String.join(",", budgets),
          "--cluster", "ftp://x", "--data-dir", tmp.resolve("shared").toString()).code());
      assertEquals(2, CliTest.run("sweep", "--config", conf.toString(), "--budgets-ms", String.join(",", budgets),
          "--cluster", node, "--at", "later", "--data-dir", tmp.resolve("shared").toString()).code());

      CliTest.Result r = CliTest.run("sweep", "--config", conf.toString(), "--budgets-ms", String.join(",", budgets),
          "--cluster", node, "--id", "sw", "--data-dir", tmp.resolve("shared").toString());
      assertEquals(0, r.code(), r.out() + r.err() + ClusterFailoverTest.logs(nodes));
      List<String> ids = budgets.stream().map(x -> "sw-" + String.format(Locale.ROOT, "%s", Double.parseDouble(x))
          .replaceFirst("\\.0$", "") + "ms").toList();
      List<String> lines = r.out().lines().toList();
      int lastSubmitted = 0;
      for (String id : ids) {
        lastSubmitted = Math.max(lastSubmitted, lines.indexOf("submitted " + id));
        assertTrue(lines.contains("submitted " + id), r.out());
      }
      for (String id : ids) {
        assertTrue(lines.indexOf(id + ": completed") > lastSubmitted, "every search submitted before any completed: "
            + r.out());
      }
      // the two forks were running at the same time: one was seen running while the other was
      int f1Start = firstRunning(lines, ids.get(1));
      int f2Start = firstRunning(lines, ids.get(2));
      assertTrue(f1Start >= 0 && f2Start >= 0, r.out());
      assertTrue(f2Start < lines.indexOf(ids.get(1) + ": completed") && f1Start < lines.indexOf(ids.get(2)
          + ": completed"), "the forks overlapped: " + r.out());

      JsonNode sweep = ClusterFailoverTest.JSON.readTree(tmp.resolve("runs-b/sw-sweep/sweep.json").toFile());
      assertEquals(3, sweep.get("networks").size(), sweep.toString());
      for (int i = 0; i < 3; i++) {
        JsonNode n = sweep.get("networks").get(i);
        assertEquals(ids.get(i), n.get("search_id").asText());
        assertTrue(n.get("within_budget").asBoolean(), n.toString());
        assertEquals(i == 0 ? "null" : ids.get(0), String.valueOf(n.get("forked_from").isNull() ? "null"
            : n.get("forked_from").asText()));
      }
      // (no cost ratio here: a node's CPU seconds are its process's, shared by the searches it runs at once,
      // and tiny runs are overhead; SweepCommandTest checks the sweep's accounting on one machine)
      assertTrue(tmp.resolve("runs-b/sw-sweep/front.png").toFile().length() > 0);

      // run again: everything is found submitted and completed
      CliTest.Result again = CliTest.run("sweep", "--config", conf.toString(), "--budgets-ms",
          String.join(",", budgets), "--cluster", node, "--id", "sw", "--data-dir", tmp.resolve("shared").toString());
      assertEquals(0, again.code(), again.out() + again.err());
      assertTrue(again.out().contains(ids.get(1) + " was submitted before"), again.out());
    } finally {
      for (ClusterFailoverTest.Node n : nodes) {
        n.process().destroyForcibly();
      }
      pg.stop();
    }
  }

  private static int firstRunning(List<String> lines, String id) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(id + ": running")) {
        return i;
      }
    }
    return -1;
  }
}
