package io.s3nas.api;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMap;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.pathSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.actors.SearchControl;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchStates;
import io.s3nas.actors.SearchSupervisor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;

/**
 * The HTTP API over one journal:
 * <pre>
 * GET  /                                  the dashboard
 * GET  /api/searches                      every search's status
 * GET  /api/searches/ID                   one search's status (404: not in the journal)
 * GET  /api/searches/ID/events            its events as server-sent events, history first, then live
 * GET  /api/searches/ID/live              its per-step progress as server-sent events (in the process running it,
 *                                         or on any node of a cluster)
 * GET  /api/searches/ID/files/NAME        a file of a completed search's run folder (report.html, its charts, ...)
 * POST /api/searches/ID/cancel|pause[?reason=...]   a control request (202; 409: not running or paused)
 * POST /api/searches?id=ID                a search config (HOCON) in the body: submits it (cluster nodes only;
 *                                         202; 400: a bad id or config; 409: the id is taken)
 * POST /api/searches/ID/resume            continues a paused search (cluster nodes only)
 * POST /api/searches/ID/fork?id=NEW&amp;budget_ms=B[&amp;search_target_ms=T][&amp;budget_fraction=F]
 *      [&amp;search_target_fraction=F][&amp;hardware=H][&amp;at=warmup-end|derived]
 *                                         a fork of ID from its warm-up end, or of its derived architecture (cluster nodes only;
 *                                         202; 400: not forkable or bad changes; 409: the new id is taken)
 * GET  /api/cluster                      on a cluster node: the members, their roles, which node runs which search
 * GET  /metrics                           Prometheus text format
 * </pre>
 * Errors are JSON objects {@code {"error": "..."}} saying what was expected.
 */
public final class SearchRoutes {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Proxies close a quiet connection; a comment line every 15 s keeps a long stage's stream open. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final ActorSystem<?> system;
  private final SearchJournal journal;
  private final String where;
  private final boolean live;
  private final byte[] dashboard;
  /** The cluster's searches (null: a single-process server, whose control goes through the journal). */
  private final SearchGateway gateway;

  /**
   * @param where the journal's location, for messages
   * @param live whether searches run in this process (their per-step progress is then served)
   * @param token what changing requests carry; the dashboard served holds it
   */
  public SearchRoutes(ActorSystem<?> system, SearchJournal journal, String where, boolean live, String token) {
    this(system, journal, where, live, token, null);
  }

  /** As above, on a cluster node: submissions and control go to {@code gateway}. */
  public SearchRoutes(ActorSystem<?> system, SearchJournal journal, String where, boolean live, String token,
                      SearchGateway gateway) {
    this.gateway = gateway;
    this.system = system;
    this.journal = journal;
    this.where = where;
    this.live = live;
    try (java.io.InputStream in = SearchRoutes.class.getResourceAsStream("dashboard.html")) {
      this.dashboard = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("{{TOKEN}}", token)
          .getBytes(StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public Route route() {
    return concat(
        pathSingleSlash(() -> get(() -> complete(HttpResponse.create().withEntity(ContentTypes.TEXT_HTML_UTF8,
            dashboard)))),
        path("metrics", () -> get(() -> onSuccess(journal.statuses(), st -> gateway == null
            ? complete(HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, Metrics.render(st)))
            : onSuccess(gateway.cluster(running(st)), view -> complete(HttpResponse.create()
                .withEntity(ContentTypes.TEXT_PLAIN_UTF8, Metrics.render(st) + Metrics.renderCluster(view))))))),
        path(PathMatchers.segment("api").slash("cluster"), () -> get(() -> gateway == null
            ? json(StatusCodes.NOT_FOUND, Map.of("error", "not a cluster node (s3nas node serves /api/cluster)"))
            : onSuccess(journal.statuses(), st -> onSuccess(gateway.cluster(running(st)),
                view -> json(StatusCodes.OK, view))))),
        pathPrefix("api", () -> pathPrefix("searches", () -> concat(
            pathEnd(() -> concat(
                get(() -> onSuccess(journal.statuses(), st -> json(StatusCodes.OK,
                    Map.of("searches", st.stream().map(StatusJson::describe).toList())))),
                post(() -> parameterOptional("id", id -> entity(
                    org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(),
                    body -> submit(id.orElse(""), body)))))),
            pathPrefix(PathMatchers.segment(), id -> concat(
                pathEnd(() -> get(() -> withSearch(id, st -> json(StatusCodes.OK, StatusJson.describe(st))))),
                path("events", () -> get(() -> withSearch(id, st -> events(id)))),
                path("live", () -> get(() -> withSearch(id, st -> live(id)))),
                pathPrefix("files", () -> path(PathMatchers.segment(), name -> get(() -> withSearch(id,
                    st -> file(id, st, name))))),
                path("fork", () -> post(() -> parameterMap(params -> fork(id, params)))),
                path(PathMatchers.segment(), action -> post(() -> parameterOptional("reason",
                    reason -> control(id, action, reason.orElse("requested over HTTP")))))))))),
        // anything else: one JSON answer instead of the default plain-text rejection
        json(StatusCodes.NOT_FOUND, Map.of("error", "no such resource; GET / for the dashboard, /api/searches, "
            + "/api/searches/ID, /api/searches/ID/events, /api/searches/ID/live or /metrics")));
  }

  private Route withSearch(String id, java.util.function.Function<SearchSupervisor.Status, Route> inner) {
    return org.apache.pekko.http.javadsl.server.Directives.onComplete(journal.currentState(id), t -> {
      if (t.isFailure()) {
        return json(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", "search '" + id + "' cannot be read from the "
            + "journal under " + where + ": " + t.failed().get().getMessage()));
      }
      SearchSupervisor.State state = t.get();
      return state instanceof SearchSupervisor.Empty
          ? json(StatusCodes.NOT_FOUND, Map.of("error", "no search '" + id + "' in the journal under " + where))
          : inner.apply(SearchStates.status(id, state));
    });
  }

  private Route events(String id) {
    return completeOK(journal.eventStream(id)
            // the SSE id is the event's sequence number in the journal (fork --at takes it)
            .map(n -> ServerSentEvent.create(write(n.event()), n.event().getClass().getSimpleName(),
                Long.toString(n.seq())))
            .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat),
        EventStreamMarshalling.toEventStream());
  }

  private Route live(String id) {
    if (!live && gateway == null) {
      return json(StatusCodes.NOT_FOUND, Map.of("error", "per-step progress comes from the process running the "
          + "search (s3nas search --http-port P); this server reads the journal, which has it at checkpoints"));
    }
    return completeOK((gateway != null ? gateway.live(id) : LiveFeed.of(system, id))
            .map(p -> ServerSentEvent.create(write(Map.of("stage", p.stage().name().toLowerCase(Locale.ROOT),
                "phase", p.phase(), "step", p.step(), "total_steps", p.totalSteps(), "loss", p.loss(),
                "expected_ms", p.expectedMs())), "LiveProgress"))
            .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat),
        EventStreamMarshalling.toEventStream());
  }

  /** Names a run folder's files may have: no separators, no leading dot (nothing outside the folder). */
  private static final java.util.regex.Pattern FILE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

  private Route file(String id, SearchSupervisor.Status st, String name) {
    Object report = StatusJson.describe(st).get("report");
    if (report == null) {
      return json(StatusCodes.NOT_FOUND, Map.of("error", "a completed search's files; '" + id + "' has "
          + st.state() + " and no report yet"));
    }
    java.nio.file.Path dir = java.nio.file.Path.of(report.toString()).toAbsolutePath().getParent();
    java.nio.file.Path f = dir.resolve(name).normalize();
    if (!FILE_NAME.matcher(name).matches() || !f.getParent().equals(dir) || !java.nio.file.Files.isRegularFile(f)) {
      return json(StatusCodes.NOT_FOUND, Map.of("error", "no file '" + name + "' in the run folder of '" + id + "'"));
    }
    return org.apache.pekko.http.javadsl.server.Directives.getFromFile(f.toFile(), contentType(name));
  }

  private static org.apache.pekko.http.javadsl.model.ContentType contentType(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".html")) {
      return ContentTypes.TEXT_HTML_UTF8;
    } else if (n.endsWith(".png")) {
      return org.apache.pekko.http.javadsl.model.ContentTypes.create(org.apache.pekko.http.javadsl.model.MediaTypes.IMAGE_PNG);
    } else if (n.endsWith(".json")) {
      return ContentTypes.APPLICATION_JSON;
    } else if (n.endsWith(".csv") || n.endsWith(".txt")) {
      return ContentTypes.TEXT_PLAIN_UTF8;
    }
    return ContentTypes.APPLICATION_OCTET_STREAM;
  }

  private static List<String> running(List<SearchSupervisor.Status> statuses) {
    return statuses.stream().filter(x -> "running".equals(x.state())).map(SearchSupervisor.Status::searchId).toList();
  }

  /** A search submitted to the cluster (a single-process server runs no searches: 405). */
  private Route submit(String id, String config) {
    if (gateway == null) {
      return json(StatusCodes.METHOD_NOT_ALLOWED, Map.of("error", "submitting needs a cluster node (s3nas node with "
          + "http-port); on one machine run `s3nas search --config FILE`"));
    }
    io.s3nas.actors.SearchSpec spec;
    try {
      io.s3nas.actors.SearchSpecs.checkId(id, "the id parameter");
      spec = io.s3nas.actors.SearchSpecs.parse(config, "the request's search config");
    } catch (io.s3nas.common.InvalidInputException e) {
      return json(StatusCodes.BAD_REQUEST, Map.of("error", e.getMessage()));
    }
    return onSuccess(gateway.submit(id, spec), reply -> reply.isError()
        ? json(StatusCodes.CONFLICT, Map.of("error", reply.getError().getMessage()))
        : json(StatusCodes.ACCEPTED, Map.of("search_id", id, "submitted", true)));
  }

  /** A fork of search {@code source} submitted to the cluster (docs/design.md, "Forks"). */
  private Route fork(String source, Map<String, String> p) {
    if (gateway == null) {
      return json(StatusCodes.METHOD_NOT_ALLOWED, Map.of("error", "forking over HTTP needs a cluster node (s3nas node "
          + "with http-port); on one machine run `s3nas fork " + source + " --id NEW --budget-ms B`"));
    }
    String id = p.getOrDefault("id", "");
    io.s3nas.actors.Forks.Changes changes;
    try {
      io.s3nas.actors.SearchSpecs.checkId(id, "the id parameter");
      changes = new io.s3nas.actors.Forks.Changes(number(p, "budget_ms"), number(p, "budget_fraction"),
          number(p, "search_target_ms"), number(p, "search_target_fraction"), p.get("hardware"),
          io.s3nas.actors.Forks.At.parse("the at parameter", p.get("at")));
    } catch (io.s3nas.common.InvalidInputException e) {
      return json(StatusCodes.BAD_REQUEST, Map.of("error", e.getMessage()));
    }
    return org.apache.pekko.http.javadsl.server.Directives.onComplete(gateway.fork(id, source, changes), t -> {
      if (t.isFailure()) {
        Throwable c = t.failed().get();
        c = c instanceof java.util.concurrent.CompletionException && c.getCause() != null ? c.getCause() : c;
        return c instanceof io.s3nas.common.InvalidInputException
            ? json(StatusCodes.BAD_REQUEST, Map.of("error", c.getMessage()))
            : json(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", String.valueOf(c.getMessage())));
      }
      return t.get().isError() ? json(StatusCodes.CONFLICT, Map.of("error", t.get().getError().getMessage()))
          : json(StatusCodes.ACCEPTED, Map.of("search_id", id, "forked_from", source));
    });
  }

  private static Double number(Map<String, String> p, String name) {
    String v = p.get(name);
    if (v == null) {
      return null;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new io.s3nas.common.InvalidInputException(name, null, "a number, got '" + v + "'");
    }
  }

  private Route control(String id, String action, String reason) {
    SearchControl.Kind kind = switch (action) {
      case "cancel" -> SearchControl.Kind.CANCEL;
      case "pause" -> SearchControl.Kind.PAUSE;
      case "resume" -> gateway != null ? SearchControl.Kind.RESUME : null;
      default -> null;
    };
    if (kind != null && gateway != null) {
      return withSearch(id, st -> onSuccess(gateway.control(id, kind, reason), reply -> reply.isError()
          ? json(StatusCodes.CONFLICT, Map.of("error", reply.getError().getMessage()))
          : json(StatusCodes.ACCEPTED, Map.of("search_id", id, "requested", kind.name().toLowerCase(Locale.ROOT)))));
    }
    if (kind == null) {
      // resuming needs a process to run the search in: s3nas resume, not a request to a process
      return json(StatusCodes.BAD_REQUEST, Map.of("error", "action: cancel or pause, got '" + action + "'"
          + ("resume".equals(action) ? "; a paused search continues with `s3nas resume ID` where it should run" : "")));
    }
    return withSearch(id, st -> {
      if (!"running".equals(st.state())) {
        return json(StatusCodes.CONFLICT, Map.of("error", "a running search; '" + id + "' has " + st.state()));
      }
      if (st.paused()) {
        return json(StatusCodes.CONFLICT, Map.of("error", "a search some process runs; '" + id + "' is paused "
            + "(continue it with `s3nas resume " + id + "`)"));
      }
      ActorRef<SearchControl.Request> once = system.systemActorOf(SearchControl.oneShot(id),
          "http-control-" + UUID.randomUUID(), Props.empty());
      CompletionStage<StatusReply<Done>> written = AskPattern.ask(once,
          ref -> new SearchControl.Request(kind, reason, ref), Duration.ofSeconds(30), system.scheduler());
      return onSuccess(written, reply -> {
        if (reply.isError()) {
          return json(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", reply.getError().getMessage()));
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("search_id", id);
        o.put("requested", kind.name().toLowerCase(Locale.ROOT));
        o.put("note", "the process running the search acts on it within a second");
        return json(StatusCodes.ACCEPTED, o);
      });
    });
  }

  static Route json(StatusCode code, Object body) {
    return complete(HttpResponse.create().withStatus(code)
        .withEntity(ContentTypes.APPLICATION_JSON, write(body).getBytes(StandardCharsets.UTF_8)));
  }

  private static String write(Object o) {
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + o.getClass().getSimpleName() + " as JSON", e);
    }
  }
}
