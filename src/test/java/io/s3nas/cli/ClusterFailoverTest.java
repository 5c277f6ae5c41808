package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.Journal;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchSupervisor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's promise, with real processes: PostgreSQL and three {@code s3nas node} JVMs on
 * loopback; a search submitted over HTTP to one node runs on some worker; that node is killed
 * with SIGKILL during the supernet stage; the search continues on another node from its last
 * checkpoint and ends with the block strings and top-1 of an uninterrupted single-process run,
 * each stage completed once in the journal.
 */
class ClusterFailoverTest {
  @TempDir Path tmp;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final ObjectMapper JSON = new ObjectMapper();

  record Node(String name, Process process, Path log, int httpPort, int managementPort) {}

  static JsonNode status(int httpPort, String id) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
          + "/api/searches/" + id)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  static String logs(List<Node> nodes) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    for (Node n : nodes) {
      String l = Files.exists(n.log()) ? Files.readString(n.log()) : "";
      b.append("--- ").append(n.name()).append(", membership:\n"); // what decides a failover, from the whole log
      l.lines().filter(x -> x.contains("nreachable") || x.contains("SBR") || x.contains("Leader is")
          || x.contains("Marking") || x.contains("Removed")).forEach(x -> b.append(x).append('\n'));
      b.append("--- ").append(n.name()).append(", last lines:\n").append(l, Math.max(0, l.length() - 3000), l.length());
    }
    return b.toString();
  }

  /** The node's cluster address, from its log line where the search started. */
  static String address(Node n, String id) throws java.io.IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("search " + java.util.regex.Pattern.quote(id)
        + " recovered on (\\S+)").matcher(Files.readString(n.log()));
    assertTrue(m.find(), "the log of " + n.name() + " names where " + id + " runs");
    return m.group(1);
  }

  /** Search {@code id}'s status as {@code n} reports it once completed, or after three minutes. */
  static JsonNode awaitCompleted(Node n, String id) throws InterruptedException {
    JsonNode s = null;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline && (s == null || !"completed".equals(s.path("state").asText()))) {
      Thread.sleep(200);
      s = status(n.httpPort(), id);
    }
    return s == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : s;
  }

  static boolean hosts(Node n, String id) throws java.io.IOException {
    return Files.exists(n.log()) && Files.readString(n.log()).contains("search " + id + " recovered");
  }

  /** Whether every node sees three members, all Up (waits up to 60 s for a view to settle). */
  static boolean allUp(List<Node> nodes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      boolean up = true;
      for (Node n : nodes) {
        JsonNode m = NodeCommandTest.members(n.managementPort());
        up &= m != null && m.get("members").size() == 3 && NodeCommandTest.up(m) == 3;
      }
      if (up || System.nanoTime() > deadline) {
        return up;
      }
      Thread.sleep(500);
    }
  }

  /** PostgreSQL's journal, three node JVMs on loopback sharing data-dir and run-dir, all ready. */
  List<Node> startCluster(LocalPostgres pg) throws Exception {
    return startCluster(pg, Path.of("conf").toAbsolutePath(), List.of("core, worker", "core, worker", "core, worker"));
  }

  /**
   * Three node JVMs with {@code roles} (node i gets {@code roles.get(i)}) and {@code confDir}; each
   * has a home of its own ({@code <tmp>/home<i>}), so what a node caches there is its own.
   */
  List<Node> startCluster(LocalPostgres pg, Path confDir, List<String> roles) throws Exception {
    List<Node> nodes = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      ports.add(NodeCommandTest.freePort());
    }
    StringBuilder contacts = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      contacts.append(i > 0 ? ", " : "").append("\"127.0.0.1:").append(ports.get(3 + i)).append('"');
    }
    KillResumeTest jvm = new KillResumeTest();
    jvm.tmp = tmp;
    for (int i = 0; i < 3; i++) {
      Path nc = tmp.resolve("node" + i + ".conf");
      Files.writeString(nc, String.format("""
        s3nas.node {
          name = node%d
          port = %d
          management-port = %d
          http-port = %d
          roles = [%s]
          contact-points = [%s]
          stable-after = 3s
          journal-url = "%s"
          journal-user = s3nas
          journal-password-file = "%s"
          conf-dir = "%s"
          data-dir = "%s"
          run-dir = "%s"
          checkpoint-every = 2
        }
        """, i, ports.get(i), ports.get(3 + i), ports.get(6 + i), roles.get(i), contacts, pg.url,
        pg.passwordFile, confDir, tmp.resolve("shared"), tmp.resolve("runs-b")));
      Path log = tmp.resolve("node" + i + ".log");
      Process p = NodeCommandTest.startNode(jvm.manifestJar(), nc, log, "-Xmx768m", "--add-modules",
          "jdk.incubator.vector", "-Duser.home=" + Files.createDirectories(tmp.resolve("home" + i)));
      nodes.add(new Node("node" + i, p, log, ports.get(6 + i), ports.get(3 + i)));
    }
    List<Integer> managementPorts = ports.subList(3, 6);
    boolean ready = NodeCommandTest.awaitReady(managementPorts, NodeCommandTest.CLUSTER_READY);
    if (!ready) { // the caller never gets the nodes to stop: stop them here (they outlived a failed run once)
      String logs = logs(nodes);
      for (Node n : nodes) {
        n.process().destroyForcibly();
      }
      org.junit.jupiter.api.Assertions.fail("three nodes ready:\n" + logs);
    }
    return nodes;
  }

  @Test
  void aSearchOnAKilledNodeContinuesElsewhereAndEndsAsIfUninterrupted() throws Exception {
    LocalPostgres pg = LocalPostgres.start();
    List<Node> nodes = new ArrayList<>();
    ActorSystem<Void> reader = null;
    try {
      Path conf = TinySearch.config(tmp, "fo", 320, 0.7,
          "warmup-epochs = 3\nsearch-epochs = 3\nfinal-epochs = 1\nbatch = 16\n");
      CliTest.Result whole = CliTest.run("search", "--config", conf.toString(), "--data-dir",
          tmp.resolve("a").toString(), "--run-dir", tmp.resolve("runs-a").toString(), "--checkpoint-every", "2");
      assertEquals(0, whole.code(), whole.err());

      nodes.addAll(startCluster(pg));

      String token = Files.readString(tmp.resolve("shared/http.token")).strip();
      HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + nodes.get(0).httpPort() + "/api/searches?id=fo")).header("X-S3nas-Token", token)
          .POST(HttpRequest.BodyPublishers.ofString(Files.readString(conf))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(202, submitted.statusCode(), submitted.body());

      // the node that runs it, and the moment to kill it: in the supernet stage, past a checkpoint
      Node host = null;
      long killedAtStep = -1;
      JsonNode seen = null;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (System.nanoTime() < deadline && host == null) {
        Thread.sleep(100);
        JsonNode st = status(nodes.get(0).httpPort(), "fo");
        seen = st != null ? st : seen;
        if (st != null && "supernet".equals(st.path("stage").asText()) && st.path("step").asLong() >= 6) {
          for (Node n : nodes) {
            if (hosts(n, "fo")) {
              host = n;
            }
          }
          if (host != null) {
            // the premise: three members Up in every node's view, so two of three keep the majority
            // (a failed run once saw two members after the kill: a node lost before it, or still joining)
            assertTrue(allUp(nodes), "three members Up before the kill:\n" + logs(nodes));
            JsonNode last = status(nodes.get(0).httpPort(), "fo"); // the step the kill interrupts, after any wait
            host.process().destroyForcibly().waitFor(); // SIGKILL
            killedAtStep = (last != null ? last : st).path("step").asLong();
          }
        }
      }
      assertTrue(host != null, "the search reached its supernet stage on some node: " + seen + "\n" + logs(nodes));
      long killed = System.nanoTime();
      Node survivor = nodes.stream().filter(n -> n.process().isAlive()).findFirst().orElseThrow();

      JsonNode end = null;
      double resumedAfter = Double.NaN;
      deadline = killed + TimeUnit.MINUTES.toNanos(4);
      while (System.nanoTime() < deadline) {
        Thread.sleep(200);
        JsonNode st = status(survivor.httpPort(), "fo");
        if (st == null) {
          continue;
        }
        if (Double.isNaN(resumedAfter) && (!"supernet".equals(st.path("stage").asText())
            || st.path("step").asLong() > killedAtStep)) {
          resumedAfter = (System.nanoTime() - killed) / 1e9;
        }
        if (!"running".equals(st.path("state").asText())) {
          end = st;
          break;
        }
      }
      assertTrue(end != null && "completed".equals(end.path("state").asText()), "the search completed after the "
          + "kill: " + end + "\n" + logs(nodes));
      Node newHost = null;
      for (Node n : nodes) {
        if (n != host && hosts(n, "fo")) {
          newHost = n;
        }
      }
      JsonNode a = JSON.readTree(tmp.resolve("runs-a/fo/result.json").toFile());
      JsonNode b = JSON.readTree(tmp.resolve("runs-b/fo/result.json").toFile());
      Journal journal = Journal.of(tmp, pg.url, "s3nas", pg.password());
      reader = ActorSystem.create(Behaviors.empty(), "reader", journal.config().withFallback(ConfigFactory.load()));
      List<SearchSupervisor.Event> events = new SearchJournal(reader).events("fo").toCompletableFuture().get();
      boolean once = true;
      for (Class<?> c : List.of(SearchSupervisor.LatencyTableReady.class, SearchSupervisor.ArchitectureDerived.class,
          SearchSupervisor.ScalingChosen.class, SearchSupervisor.PostProcessDecided.class,
          SearchSupervisor.SearchCompleted.class)) {
        once &= events.stream().filter(c::isInstance).count() == 1;
      }
      // scripts/bench-failover prints this line
      java.util.Map<String, Object> bench = new java.util.LinkedHashMap<>();
      bench.put("nodes", 3);
      bench.put("failover_seconds", Math.round(resumedAfter * 10) / 10.0);
      bench.put("resumed_from_step", killedAtStep);
      bench.put("same_block_strings", a.get("block_strings").equals(b.get("block_strings")));
      bench.put("stages_completed_once", once);
      bench.put("killed", host.name());
      bench.put("resumed_on", newHost == null ? null : newHost.name());
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target/bench-failover.json"), JSON.writeValueAsString(bench) + "\n");

      assertTrue(newHost != null, "another node took the search over");
      assertNotEquals(host.name(), newHost.name());
      assertTrue(resumedAfter < 60, "first progress after the kill within 60 s, was " + resumedAfter + " s");
      assertEquals(a.get("block_strings"), b.get("block_strings"), "same final architecture");
      assertEquals(a.get("top1").asDouble(), b.get("top1").asDouble(), 1e-9, "same trained network");
      assertTrue(once, "each stage completed exactly once in the journal: " + events);
    } finally {
      for (Node n : nodes) {
        n.process().destroyForcibly();
      }
      if (reader != null) {
        reader.terminate();
        reader.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
      }
      pg.stop();
    }
  }

  private static HttpResponse<String> fork(Node n, String token, String source, String query) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort() + "/api/searches/" + source
        + "/fork" + query)).header("X-S3nas-Token", token).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Two searches submitted at once run at the same time on two different worker nodes: each is its
   * own entity, and a fresh cluster's shard allocation gives their shards to the least-loaded regions.
   */
  @Test
  void twoSearchesSubmittedAtOnceRunOnTwoNodesAtTheSameTime() throws Exception {
    LocalPostgres pg = LocalPostgres.start();
    List<Node> nodes = new ArrayList<>();
    try {
      Path conf = TinySearch.config(tmp, "pair", 320, 0.7,
          "warmup-epochs = 3\nsearch-epochs = 3\nfinal-epochs = 1\nbatch = 16\n");
      nodes.addAll(startCluster(pg));
      String token = Files.readString(tmp.resolve("shared/http.token")).strip();
      // ids chosen to fall in different shards (Pekko's default: abs(id.hashCode) % 1000)
      List<String> ids = new ArrayList<>();
      for (int i = 0; ids.size() < 2; i++) {
        String id = "pair-" + i;
        if (ids.isEmpty() || Math.abs(id.hashCode() % 1000) != Math.abs(ids.get(0).hashCode() % 1000)) {
          ids.add(id);
        }
      }
      // one over HTTP, the other with `s3nas search --cluster`
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + nodes.get(0).httpPort() + "/api/searches?id=" + ids.get(0))).header("X-S3nas-Token", token)
          .POST(HttpRequest.BodyPublishers.ofString(Files.readString(conf))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(202, r.statusCode(), r.body());
      // every node's live stream of the first search (once it is in the journal): steps published where it runs reach all of them
      java.util.Map<String, Integer> liveSteps = new java.util.concurrent.ConcurrentHashMap<>();
      for (Node n : nodes) {
        HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort() + "/api/searches/"
            + ids.get(0) + "/live")).build(), HttpResponse.BodyHandlers.ofLines()).thenAccept(resp -> resp.body()
            .filter(l -> l.startsWith("data:") && l.contains("\"step\"")).forEach(l -> liveSteps.merge(n.name(), 1,
                Integer::sum)));
      }
      CliTest.Result cli = CliTest.run("search", "--config", conf.toString(), "--id", ids.get(1), "--cluster",
          "http://127.0.0.1:" + nodes.get(1).httpPort(), "--data-dir", tmp.resolve("shared").toString());
      assertEquals(0, cli.code(), cli.err());
      assertTrue(cli.out().contains("\"submitted\":true"), cli.out());
      CliTest.Result again = CliTest.run("search", "--config", conf.toString(), "--id", ids.get(1), "--cluster",
          "http://127.0.0.1:" + nodes.get(2).httpPort(), "--data-dir", tmp.resolve("shared").toString());
      assertEquals(2, again.code(), "an id already running is refused: " + again.out());
      assertTrue(again.err().contains("409"), again.err());
      boolean together = false;
      JsonNode view = null;
      String metrics = null;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      int done = 0;
      while (System.nanoTime() < deadline && done < 2) {
        Thread.sleep(200);
        JsonNode a = status(nodes.get(2).httpPort(), ids.get(0));
        JsonNode b = status(nodes.get(2).httpPort(), ids.get(1));
        if (a == null || b == null) {
          continue;
        }
        boolean both = "supernet".equals(a.path("stage").asText()) && "supernet".equals(b.path("stage").asText())
            && a.path("step").asLong() > 0 && b.path("step").asLong() > 0;
        if (both && view == null) {
          HttpResponse<String> c = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + nodes.get(2).httpPort() + "/api/cluster")).build(), HttpResponse.BodyHandlers.ofString());
          assertEquals(200, c.statusCode(), c.body());
          view = JSON.readTree(c.body());
          metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.get(1).httpPort()
              + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        together |= both;
        done = ("completed".equals(a.path("state").asText()) ? 1 : 0) + ("completed".equals(b.path("state").asText()) ? 1 : 0);
      }
      assertEquals(2, done, "both searches completed: " + logs(nodes));
      assertTrue(together, "both were in their supernet stage at the same time");
      Node hostA = null;
      Node hostB = null;
      for (Node n : nodes) {
        hostA = hosts(n, ids.get(0)) ? n : hostA;
        hostB = hosts(n, ids.get(1)) ? n : hostB;
      }
      assertTrue(hostA != null && hostB != null, logs(nodes));
      assertNotEquals(hostA.name(), hostB.name(), "the two searches ran on two nodes");
      // the API says who is in the cluster and which node runs which search
      assertEquals(3, view.get("members").size(), view.toString());
      for (JsonNode m : view.get("members")) {
        assertEquals("Up", m.get("status").asText(), view.toString());
        assertEquals("[\"core\",\"worker\"]", m.get("roles").toString(), view.toString());
      }
      assertEquals(address(hostA, ids.get(0)), view.get("searches").path(ids.get(0)).asText(), view.toString());
      assertEquals(address(hostB, ids.get(1)), view.get("searches").path(ids.get(1)).asText(), view.toString());
      assertTrue(metrics.contains("s3nas_cluster_members{status=\"Up\"} 3"), metrics);
      assertTrue(metrics.contains("s3nas_search_node{search=\"" + ids.get(0) + "\",node=\"" + address(hostA, ids.get(0))
          + "\"} 1"), metrics);
      Node host = hostA;
      assertTrue(nodes.stream().filter(n -> n != host).anyMatch(n -> liveSteps.getOrDefault(n.name(), 0) > 0),
          "a node that does not run the search streams its steps live: " + liveSteps);

      // a fork over HTTP (docs/design.md, "Forks"): from the first search's warm-up end, another budget
      double budget = TinySearch.budgetMs(tmp) / 1.5;
      HttpResponse<String> bad = fork(nodes.get(2), token, "no-such", "?id=pair-fork&budget_ms=" + budget);
      assertEquals(400, bad.statusCode(), bad.body());
      HttpResponse<String> forked = fork(nodes.get(2), token, ids.get(0), "?id=pair-fork&budget_ms=" + budget);
      assertEquals(202, forked.statusCode(), forked.body());
      assertEquals(409, fork(nodes.get(1), token, ids.get(0), "?id=pair-fork&budget_ms=" + budget).statusCode(),
          "the fork's id is taken");
      JsonNode f = awaitCompleted(nodes.get(0), "pair-fork");
      assertEquals("completed", f.path("state").asText(), f + logs(nodes));
      JsonNode result = JSON.readTree(Files.readString(tmp.resolve("runs-b/pair-fork/result.json")));
      assertEquals(ids.get(0), result.get("forked_from").get("search_id").asText(), result.toString());
      assertTrue(result.get("estimated_latency_ms").asDouble() <= budget, result.toString());
      // and one at the first search's derived architecture: scaled to the source's own budget, no supernet
      assertEquals(400, fork(nodes.get(1), token, ids.get(0), "?id=pair-derived&budget_ms=" + budget + "&at=later")
          .statusCode(), "an unknown fork point");
      double own = TinySearch.budgetMs(tmp);
      HttpResponse<String> derived = fork(nodes.get(1), token, ids.get(0), "?id=pair-derived&budget_ms=" + own
          + "&at=derived");
      assertEquals(202, derived.statusCode(), derived.body());
      JsonNode d = awaitCompleted(nodes.get(2), "pair-derived");
      assertEquals("completed", d.path("state").asText(), d + logs(nodes));
      JsonNode dr = JSON.readTree(Files.readString(tmp.resolve("runs-b/pair-derived/result.json")));
      assertEquals("derived", dr.get("forked_from").get("at").asText(), dr.toString());
      assertEquals(Files.readString(tmp.resolve("runs-b/" + ids.get(0) + "/derived_model.json")),
          Files.readString(tmp.resolve("runs-b/pair-derived/derived_model.json")));
    } finally {
      for (Node n : nodes) {
        n.process().destroyForcibly();
      }
      pg.stop();
    }
  }
}
