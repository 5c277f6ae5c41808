package io.s3nas.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.EmbeddedJournal;
import io.s3nas.actors.LiveProgress;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.actors.Stage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over a real H2 journal, through a real HTTP client. */
class SearchApiTest {
  static final SearchSpec SPEC = new SearchSpec("fashion_mixconv_2_3_4_3_4", "fashion-mnist", null, "cpu-nd4j", 9.0,
      6.5, 0.5, 3, 8, 64, 8000, 1);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  ActorTestKit kit;
  String base;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void start() throws Exception {
    EmbeddedJournal.createSchema(dir);
    kit = ActorTestKit.create("api", EmbeddedJournal.config(dir).withFallback(ConfigFactory.load()));
    ServerBinding b = SearchServer.start(kit.system(), "127.0.0.1", 0, dir.toString(), true).toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + b.localAddress().getPort();
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  ActorRef<SearchSupervisor.Command> runningSearch(String id) {
    ActorRef<SearchSupervisor.Command> s = kit.spawn(SearchSupervisor.create(id));
    TestProbe<StatusReply<Done>> ack = kit.createTestProbe();
    s.tell(new SearchSupervisor.Submit(SPEC, ack.getRef()));
    assertTrue(ack.receiveMessage(Duration.ofSeconds(20)).isSuccess());
    s.tell(new SearchSupervisor.LatencyReady("table", 4, 12, 9.0, 6.5, 0.05, ack.getRef()));
    ack.receiveMessage(Duration.ofSeconds(10));
    s.tell(new SearchSupervisor.SupernetProgressed(50, 392, "search", 2.5, 8.25, "ckpt-50", ack.getRef()));
    assertTrue(ack.receiveMessage(Duration.ofSeconds(10)).isSuccess());
    return s;
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody())
        .header("X-S3nas-Token", SearchServer.token(dir)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void statusesMetricsAndTheDashboardComeFromTheJournal() throws Exception {
    runningSearch("api-1");
    HttpResponse<String> list = get("/api/searches");
    assertEquals(200, list.statusCode());
    JsonNode s = JSON.readTree(list.body()).get("searches").get(0);
    assertEquals("api-1", s.get("search_id").asText());
    assertEquals("supernet", s.get("stage").asText());
    assertEquals(50, s.get("step").asInt());

    JsonNode one = JSON.readTree(get("/api/searches/api-1").body());
    assertEquals(8.25, one.get("estimated_ms").asDouble(), 1e-9);
    HttpResponse<String> missing = get("/api/searches/nope");
    assertEquals(404, missing.statusCode());
    assertTrue(JSON.readTree(missing.body()).get("error").asText().contains("'nope'"), missing.body());
    assertEquals(404, get("/nothing/here").statusCode());

    HttpResponse<String> metrics = get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("s3nas_searches{state=\"running\"} 1\n"), metrics.body());
    assertTrue(metrics.body().contains("s3nas_search_step{search_id=\"api-1\",stage=\"supernet\"} 50\n"),
        metrics.body());
    assertTrue(metrics.body()
        .contains("s3nas_search_estimated_latency_ms{search_id=\"api-1\",stage=\"supernet\"} 8.25"),
        metrics.body());
    // the cost ledger: the latency stage's stretch, written with its event
    assertTrue(java.util.regex.Pattern.compile("s3nas_search_cpu_seconds_total\\{search_id=\"api-1\",stage=\"latency_table\"} [0-9.E-]+\n")
        .matcher(metrics.body()).find(), metrics.body());
    assertTrue(metrics.body().contains("# TYPE s3nas_search_replayed_steps_total counter\n"), metrics.body());

    HttpResponse<String> page = get("/");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("EventSource"));
  }

  @Test
  void theEventStreamReplaysHistoryThenFollowsLiveUntilTheSearchEnds() throws Exception {
    ActorRef<SearchSupervisor.Command> s = runningSearch("api-2");
    HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/searches/api-2/events"))
        .build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    Iterator<String> lines = r.body().iterator();
    Sse submitted = nextEvent(lines);
    assertEquals("SearchSubmitted", submitted.type());
    assertEquals("1", submitted.id(), "each event carries its journal sequence number (fork --at takes it)");
    // a running search writes its stage's cost before each event (the dashboard sums them)
    assertEquals("CostIncurred", nextEvent(lines).type());
    assertEquals("LatencyTableReady", nextEvent(lines).type());
    assertEquals("CostIncurred", nextEvent(lines).type());
    Sse progress = nextEvent(lines);
    assertEquals("SupernetProgress", progress.type());
    assertEquals("5", progress.id());
    assertEquals(50, JSON.readTree(progress.data()).get("step").asInt());

    TestProbe<StatusReply<Done>> ack = kit.createTestProbe();
    s.tell(new SearchSupervisor.SupernetProgressed(60, 392, "search", 2.4, 8.0, "ckpt-60", ack.getRef()));
    assertEquals("CostIncurred", nextEvent(lines).type());
    Sse live = nextEvent(lines);
    assertEquals("SupernetProgress", live.type());
    assertEquals(60, JSON.readTree(live.data()).get("step").asInt());
    s.tell(new SearchSupervisor.Cancel("enough", ack.getRef()));
    assertEquals("CostIncurred", nextEvent(lines).type());
    Sse end = nextEvent(lines);
    assertEquals("SearchCancelled", end.type());
    assertTrue(end.data().contains("enough"), end.data());
    while (lines.hasNext()) { // the stream ends with the search
      assertTrue(!lines.next().startsWith("event:"), "nothing after the end");
    }
  }

  @Test
  void theProcessRunningASearchStreamsItsStepsAndAJournalReaderSaysWhereToGetThem() throws Exception {
    runningSearch("api-4");
    HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/searches/api-4/live"))
        .build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    Iterator<String> lines = r.body().iterator();
    Thread publisher = new Thread(() -> {
      // the subscription starts with the response; publish until the reader has had its step
      for (int step = 51; step < 400 && !Thread.currentThread().isInterrupted(); step++) {
        kit.system().eventStream().tell(new EventStream.Publish<>(new LiveProgress("other", Stage.SUPERNET, "search",
            step, 392, 9.9, 8.0)));
        kit.system().eventStream().tell(new EventStream.Publish<>(new LiveProgress("api-4", Stage.SUPERNET, "search",
            step, 392, 2.25, 8.125)));
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    publisher.start();
    try {
      Sse live = nextEvent(lines);
      assertEquals("LiveProgress", live.type());
      JsonNode p = JSON.readTree(live.data());
      assertEquals(2.25, p.get("loss").asDouble(), 1e-12, "another search's steps are filtered out");
      assertEquals(8.125, p.get("expected_ms").asDouble(), 1e-12);
      assertEquals("supernet", p.get("stage").asText());
      assertTrue(p.get("step").asInt() > 50);
    } finally {
      publisher.interrupt();
    }

    ServerBinding reader = SearchServer.start(kit.system(), "127.0.0.1", 0, dir.toString(), false)
        .toCompletableFuture().get(20, TimeUnit.SECONDS);
    HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + reader.localAddress().getPort() + "/api/searches/api-4/live")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, none.statusCode());
    assertTrue(none.body().contains("--http-port"), none.body());
  }

  record Sse(String type, String data, String id) {
    Sse(String type, String data) {
      this(type, data, null);
    }
  }

  /** The next event: field lines ("name:value", one optional space after the colon) up to a blank line. */
  static Sse nextEvent(Iterator<String> lines) {
    String type = null;
    String id = null;
    StringBuilder data = new StringBuilder();
    while (lines.hasNext()) {
      String l = lines.next();
      if (l.isEmpty()) {
        if (type != null) {
          return new Sse(type, data.toString(), id);
        }
        data.setLength(0); // a heartbeat or a comment
        continue;
      }
      int colon = l.indexOf(':');
      String name = colon < 0 ? l : l.substring(0, colon);
      String value = colon < 0 ? "" : l.substring(colon + 1);
      value = value.startsWith(" ") ? value.substring(1) : value;
      if (name.equals("event")) {
        type = value;
      } else if (name.equals("id")) {
        id = value;
      } else if (name.equals("data")) {
        data.append(data.length() > 0 ? "\n" : "").append(value);
      }
    }
    throw new AssertionError("the stream ended");
  }

  @Test
  void controlRequestsAreWrittenForTheRunningProcessAndBadOnesAreRefused() throws Exception {
    ActorRef<SearchSupervisor.Command> s = runningSearch("api-3");
    HttpResponse<String> bad = post("/api/searches/api-3/explode");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("cancel or pause"), bad.body());
    HttpResponse<String> resume = post("/api/searches/api-3/resume");
    assertEquals(400, resume.statusCode());
    assertTrue(resume.body().contains("s3nas resume"), resume.body());
    assertEquals(404, post("/api/searches/nope/pause").statusCode());
    HttpResponse<String> submit = post("/api/searches?id=new-one");
    assertEquals(405, submit.statusCode(), "a single-process server runs no searches");
    assertTrue(submit.body().contains("s3nas search --config"), submit.body());

    HttpResponse<String> pause = post("/api/searches/api-3/pause");
    assertEquals(202, pause.statusCode(), pause.body());
    assertEquals("pause", JSON.readTree(pause.body()).get("requested").asText());
    assertEquals(202, post("/api/searches/api-3/cancel?reason=from%20the%20dashboard").statusCode());
    assertEquals(2L, new SearchJournal(kit.system()).controlCount("api-3").toCompletableFuture()
        .get(20, TimeUnit.SECONDS));

    // no process follows a paused search's requests, and an ended search takes none
    TestProbe<StatusReply<Done>> ack = kit.createTestProbe();
    s.tell(new SearchSupervisor.Pause(ack.getRef()));
    assertTrue(ack.receiveMessage(Duration.ofSeconds(10)).isSuccess());
    HttpResponse<String> paused = post("/api/searches/api-3/cancel");
    assertEquals(409, paused.statusCode());
    assertTrue(paused.body().contains("paused"), paused.body());
    s.tell(new SearchSupervisor.Cancel("done here", ack.getRef()));
    assertTrue(ack.receiveMessage(Duration.ofSeconds(10)).isSuccess());
    HttpResponse<String> late = post("/api/searches/api-3/pause");
    assertEquals(409, late.statusCode());
    assertTrue(late.body().contains("cancelled"), late.body());
  }

  @Test
  void strangersAreRefusedAndAnswersForbidFraming() throws Exception {
    runningSearch("api-5");
    // no token: what any page could send (a cross-site form or a text/plain fetch)
    HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(base + "/api/searches/api-5/pause"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).header("Content-Type", "text/plain")
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, noToken.statusCode(), noToken.body());
    assertTrue(noToken.body().contains("X-S3nas-Token"), noToken.body());
    // another site's page, even with the token
    HttpResponse<String> crossSite = http.send(HttpRequest.newBuilder(URI.create(base + "/api/searches/api-5/pause"))
        .POST(HttpRequest.BodyPublishers.noBody()).header("Origin", "https://evil.example")
        .header("X-S3nas-Token", SearchServer.token(dir)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, crossSite.statusCode(), crossSite.body());
    assertEquals(0L, new SearchJournal(kit.system()).controlCount("api-5").toCompletableFuture()
        .get(20, TimeUnit.SECONDS), "nothing was written");
    // a name that resolves here by DNS rebinding reads nothing (java.net.http forbids setting Host: use a socket)
    int port = URI.create(base).getPort();
    try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
      sock.getOutputStream().write(("GET /api/searches HTTP/1.1\r\nHost: rebind.example:" + port
          + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 421"), answer);
      assertTrue(!answer.contains("api-5"), "no search leaks");
    }
    HttpResponse<String> page = get("/");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("frame-ancestors 'none'"));
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertTrue(page.body().contains(SearchServer.token(dir)), "the dashboard it serves holds the token");
  }

  @Test
  void aSearchWhoseEventsCannotBeReadIsListedAsSuchAndTheOthersAreNot() throws Exception {
    runningSearch("api-6");
    // an event of a class this version does not know (written by a newer one, or renamed)
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(EmbeddedJournal.url(dir), "sa",
        EmbeddedJournal.password(dir)); java.sql.Statement st = c.createStatement()) {
      java.sql.ResultSet rs = st.executeQuery("SELECT \"event_ser_id\" FROM \"event_journal\" LIMIT 1");
      rs.next();
      int serializer = rs.getInt(1);
      try (java.sql.PreparedStatement ins = c.prepareStatement("INSERT INTO \"event_journal\" (\"persistence_id\", "
          + "\"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\", "
          + "\"event_ser_id\", \"event_ser_manifest\") VALUES (?, 1, 'w', 0, '', ?, ?, ?)")) {
        ins.setString(1, SearchSupervisor.persistenceId("broken"));
        ins.setBytes(2, new byte[] {(byte) 0xa0});
        ins.setInt(3, serializer);
        ins.setString(4, "io.s3nas.actors.SearchSupervisor$EventFromTheFuture");
        ins.executeUpdate();
      }
    }
    HttpResponse<String> list = get("/api/searches");
    assertEquals(200, list.statusCode(), list.body());
    com.fasterxml.jackson.databind.JsonNode rows = JSON.readTree(list.body()).get("searches");
    assertEquals(2, rows.size(), list.body());
    assertEquals("unreadable", rows.get(1).get("state").asText(), rows.get(1).toString());
    assertTrue(rows.get(1).get("detail").asText().contains("cannot be read"), rows.get(1).toString());
    assertEquals("running", rows.get(0).get("state").asText(), "the readable search is unaffected");
    assertEquals(500, get("/api/searches/broken").statusCode());
    assertEquals(200, get("/metrics").statusCode(), "metrics survive it too");
  }
}
