package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device node with real processes: PostgreSQL and three node JVMs, two workers and one with the
 * role {@code device-edge}, where {@code edge} is a second ND4J platform of the shared conf-dir. A
 * search on {@code edge} runs on a worker; its table is profiled, calibrated and cached on the
 * device node, and its networks are measured there, not on the worker that runs it.
 */
class DeviceNodeTest {
  @TempDir Path tmp;

  static final String EDGE = """
      # a second device: this machine's CPU through ND4J, timed on the node with role device-edge
      kind = nd4j
      description = "a device node's CPU through ND4J"
      threads = 1
      batch = 1
      warmup = 2
      warmup-ms = 200
      rounds = 6
      runs-per-round = 3
      quantile = 0.2
      cache-dir = "~/.s3nas/latency/edge"
      network-overhead = calibrated
      """;

  static List<Path> tables(Path home) throws java.io.IOException {
    Path dir = home.resolve(".s3nas/latency/edge");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".csv")).toList();
    }
  }

  @Test
  void aDeviceNodeTimesThePlatformOfASearchThatRunsOnAnotherNode() throws Exception {
    Path conf = tmp.resolve("conf");
    Files.createDirectories(conf.resolve("hardware"));
    try (Stream<Path> files = Files.list(Path.of("conf/hardware"))) {
      for (Path f : files.toList()) {
        Files.copy(f, conf.resolve("hardware").resolve(f.getFileName()));
      }
    }
    Files.writeString(conf.resolve("hardware/edge.conf"), EDGE);
    Path search = TinySearch.config(tmp, "edge", 240, 0.7,
        "warmup-epochs = 2\nsearch-epochs = 2\nfinal-epochs = 1\nbatch = 16\n");
    String text = Files.readString(search).replace("hardware = custom", "hardware = edge")
        // tiny networks time at tens of µs, where a shared VM's noise is tens of percent: a roomy budget,
        // and networks kept small, so the search ships rather than refuses (what this test is not about)
        .replaceAll("(?m)^budget-ms = .*$", "budget-fraction = 4\nscaling-max-macs = 2")
        .replaceAll("(?m)^search-target-ms = .*$", "search-target-fraction = 0.5");
    Files.writeString(search, text);

    LocalPostgres pg = LocalPostgres.start();
    ClusterFailoverTest cluster = new ClusterFailoverTest();
    cluster.tmp = tmp;
    List<ClusterFailoverTest.Node> nodes = new ArrayList<>();
    try {
      nodes.addAll(cluster.startCluster(pg, conf, List.of("core, worker", "core, worker", "core, device-edge")));
      String token = Files.readString(tmp.resolve("shared/http.token")).strip();
      HttpResponse<String> submitted = ClusterFailoverTest.HTTP.send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + nodes.get(0).httpPort() + "/api/searches?id=edge")).header("X-S3nas-Token", token)
          .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(202, submitted.statusCode(), submitted.body());

      JsonNode end = null;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (System.nanoTime() < deadline) {
        Thread.sleep(300);
        JsonNode st = ClusterFailoverTest.status(nodes.get(1).httpPort(), "edge");
        if (st != null && !"running".equals(st.path("state").asText())) {
          end = st;
          break;
        }
      }
      assertTrue(end != null && "completed".equals(end.path("state").asText()), "the search completed: " + end
          + "\n" + ClusterFailoverTest.logs(nodes));

      ClusterFailoverTest.Node device = nodes.get(2);
      ClusterFailoverTest.Node host = null;
      for (ClusterFailoverTest.Node n : nodes) {
        host = ClusterFailoverTest.hosts(n, "edge") ? n : host;
      }
      assertTrue(host != null && host != device, "a worker ran the search: " + ClusterFailoverTest.logs(nodes));
      String deviceLog = Files.readString(device.log());
      assertTrue(deviceLog.contains("profiling") && deviceLog.contains("on edge"), "the device node profiled the "
          + "table:\n" + deviceLog);
      for (ClusterFailoverTest.Node w : nodes.subList(0, 2)) {
        assertFalse(Files.readString(w.log()).contains("profiling"), w.name() + " timed nothing");
      }
      assertEquals(1, tables(tmp.resolve("home2")).size(), "the table is cached on the device node");
      assertTrue(tables(tmp.resolve("home0")).isEmpty() && tables(tmp.resolve("home1")).isEmpty(),
          "and on no worker");
      assertTrue(Files.readString(host.log()).contains("edge is timed on the device node"), Files.readString(host.log()));

      JsonNode result = ClusterFailoverTest.JSON.readTree(tmp.resolve("runs-b/edge/result.json").toFile());
      String address = ClusterFailoverTest.address(host, "edge");
      assertTrue(result.path("latency_measured_on").asText().contains("device node"), result.toString());
      assertFalse(result.path("latency_measured_on").asText().contains(address), "measured on the device node, not on "
          + address + ": " + result.path("latency_measured_on"));
      assertTrue(result.path("measured_latency_ms").asDouble() > 0, result.toString());
      assertTrue(result.path("within_budget").asBoolean(), result.toString());
      assertTrue(result.path("estimate_uncertainty_ms").isNumber(), "the device's calibration gives the band: " + result);
      // the gate's counts: the shipped network measured (gate-final-check is off), each stage's count the
      // networks its file says were measured, the total their sum
      JsonNode counts = result.path("latency_measurements");
      assertEquals("gated", counts.path("policy").asText(), counts.toString());
      // measured once, or again (up to three times) when a reading was over the budget: as many as the
      // verdict's own list of measurements
      int finalChecks = counts.path("final_check").path("measured").asInt();
      assertTrue(finalChecks >= 1 && finalChecks <= 3, counts.toString());
      assertEquals(result.path("latency_measurements_ms").size(), finalChecks, result.toString());
      JsonNode scaling = ClusterFailoverTest.JSON.readTree(tmp.resolve("runs-b/edge/scaling.json").toFile());
      int measuredInFile = 0;
      for (JsonNode m : scaling.path("measurements")) {
        measuredInFile += m.path("measured_ms").isNull() ? 0 : 1;
        assertTrue(m.path("measured_ms").isNumber() || m.path("trusted").asText().startsWith("trusted"), m.toString());
      }
      assertEquals(measuredInFile, counts.path("scaling").path("measured").asInt(), counts.toString());
      assertEquals(scaling.path("measurements").size(), counts.path("scaling").path("measure_all").asInt());
      int measured = 0;
      int all = 0;
      for (String stage : List.of("scaling", "post_processing", "final_check")) {
        measured += counts.path(stage).path("measured").asInt();
        all += counts.path(stage).path("measure_all").asInt();
      }
      assertEquals(measured, counts.path("total").path("measured").asInt());
      assertEquals(all, counts.path("total").path("measure_all").asInt());

      // the dashboard of any node shows the members and their roles (where Chromium is installed)
      if (Files.isExecutable(DashboardBrowserTest.CHROMIUM)) {
        Files.createDirectories(Path.of("target"));
        String dom = DashboardBrowserTest.render("http://127.0.0.1:" + nodes.get(0).httpPort() + "/",
            Path.of("target/cluster-dashboard.png").toAbsolutePath());
        assertEquals(3, dom.split("<tr class=\"member\"", -1).length - 1, dom);
        assertTrue(dom.contains("core, device-edge") && dom.contains("(this node)"), dom);
      }
    } finally {
      for (ClusterFailoverTest.Node n : nodes) {
        n.process().destroyForcibly();
      }
      pg.stop();
    }
  }
}
