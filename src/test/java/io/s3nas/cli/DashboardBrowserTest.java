package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.EmbeddedJournal;
import io.s3nas.api.SearchServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees in a browser: a finished tiny search's dashboard row (its top-1 and measured or
 * estimated latency against its budget, a link to its report) and the report's verdict panel,
 * rendered by Debian's headless Chromium (installed by .ci/run; skipped where it is absent).
 */
class DashboardBrowserTest {
  @TempDir Path tmp;

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  /** The DOM after the page's scripts ran, from headless Chromium; also a screenshot beside it. */
  static String render(String url, Path screenshot) throws Exception {
    List<String> common = List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--virtual-time-budget=8000", "--window-size=1280,900");
    Path profile = Files.createTempDirectory("chromium-profile");
    List<String> dump = new ArrayList<>(common);
    dump.add("--user-data-dir=" + profile);
    dump.add("--dump-dom");
    dump.add(url);
    Process p = new ProcessBuilder(dump).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
    List<String> shot = new ArrayList<>(common);
    Path shotProfile = Files.createTempDirectory("chromium-profile");
    shot.add("--user-data-dir=" + shotProfile);
    shot.add("--screenshot=" + screenshot);
    shot.add(url);
    Process s = new ProcessBuilder(shot).redirectErrorStream(true).start();
    s.getInputStream().readAllBytes();
    s.waitFor(60, TimeUnit.SECONDS);
    deleteQuietly(profile);
    deleteQuietly(shotProfile);
    return new String(out, StandardCharsets.UTF_8);
  }

  /**
   * Removes a Chromium profile folder, best effort: a helper process of the browser may still be
   * writing into it, and a profile left behind must not fail the test (they used to pile up in /tmp).
   */
  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      // left for the system's temporary-file cleanup
    }
  }

  @Test
  void aFinishedSearchShowsItsTopOneLatencyAndReportInTheBrowser() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (.ci/run installs it)");
    Path conf = TinySearch.config(tmp, "shown", 96, 0.7,
        "warmup-epochs = 0.5\nsearch-epochs = 0.5\nfinal-epochs = 1\nbatch = 16\n");
    Path state = tmp.resolve("state");
    CliTest.Result r = CliTest.run("search", "--config", conf.toString(), "--data-dir", state.toString(),
        "--run-dir", tmp.resolve("runs").toString(), "--checkpoint-every", "4");
    assertEquals(0, r.code(), r.err());
    JsonNode res = new ObjectMapper().readTree(r.out());
    double top1 = res.get("top1").asDouble();
    double latency = res.get("estimated_latency_ms").asDouble();
    EmbeddedJournal.createSchema(state);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "browser-test",
        EmbeddedJournal.config(state).withFallback(ConfigFactory.load()));
    try {
      ServerBinding b = SearchServer.start(system, "127.0.0.1", 0, state.toString(), false).toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + b.localAddress().getPort();
      String dom = render(base + "/", tmp.resolve("dashboard.png"));
      String row = dom.substring(dom.indexOf("<td>shown</td>"));
      row = row.substring(0, row.indexOf("</tr>"));
      assertTrue(row.contains(String.format(Locale.ROOT, "%.2f%%", 100 * top1)), "top-1 shown: " + row);
      assertTrue(row.contains(String.format(Locale.ROOT, "%.3f", latency)), "latency shown: " + row);
      assertTrue(row.contains("completed") && row.contains("files/report.html"), "state and report link: " + row);
      assertTrue(dom.contains(String.format(Locale.ROOT, "<title>shown: %.3f ms, %.2f%%</title>", latency, 100 * top1)),
          "the search is a point of the front");
      String report = render(base + "/api/searches/shown/files/report.html", tmp.resolve("report.png"));
      assertTrue(report.contains("id=\"verdict\"") && report.contains("Budget met"), "verdict panel");
      assertTrue(report.contains(String.format(Locale.ROOT, "%.2f%%", 100 * top1)), "the report's top-1");
      assertTrue(report.contains("<h2>Cost</h2>") && report.contains("<h2>Why each block</h2>"), "cost and explanation");
      assertTrue(Files.size(tmp.resolve("dashboard.png")) > 10_000, "a screenshot was drawn");
      String keep = System.getProperty("s3nas.screenshots");
      if (keep != null) {
        Files.createDirectories(Path.of(keep));
        Files.copy(tmp.resolve("dashboard.png"), Path.of(keep, "dashboard.png"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tmp.resolve("report.png"), Path.of(keep, "report.png"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
