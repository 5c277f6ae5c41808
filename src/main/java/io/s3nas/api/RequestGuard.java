package io.s3nas.api;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What every request passes before the API sees it (docs/cli.md, "serve"):
 *
 * <ul>
 *   <li>its {@code Host} must name this server ({@code 127.0.0.1}, {@code localhost}, {@code [::1]}
 *       or the address it was told to listen on): a page on another name that resolves here — DNS
 *       rebinding — gets 421 and reads nothing;</li>
 *   <li>a request that changes something (any method but GET and HEAD) must carry the data
 *       folder's token in {@code X-S3nas-Token} (the dashboard this server sends holds it; another
 *       site cannot read it) and, when it has an {@code Origin}, come from this server's own: else
 *       403;</li>
 *   <li>every answer forbids framing and content sniffing and confines scripts to this server.</li>
 * </ul>
 */
final class RequestGuard {
  static final String TOKEN_HEADER = "X-S3nas-Token";
  private static final List<HttpHeader> SECURITY = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "
          + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
          + "base-uri 'none'; form-action 'self'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("X-Frame-Options", "DENY"),
      RawHeader.create("Referrer-Policy", "no-referrer"));

  private final Set<String> hosts;
  private final String token;

  /**
   * @param bindHost the address the server listens on (its name is accepted besides loopback's)
   * @param token the data folder's token that changing requests must carry
   */
  RequestGuard(String bindHost, String token) {
    String b = bindHost.toLowerCase(Locale.ROOT);
    this.hosts = new java.util.HashSet<>(List.of("127.0.0.1", "localhost", "[::1]", "::1",
        b.contains(":") && !b.startsWith("[") ? "[" + b + "]" : b));
    this.token = token;
  }

  Route guard(Route inner) {
    return respondWithHeaders(SECURITY, () -> extractRequest(req -> {
      String host = hostName(req);
      if (host == null || !hosts.contains(host)) {
        return refuse(StatusCodes.MISDIRECTED_REQUEST, "a Host this server answers to (127.0.0.1, localhost, [::1]"
            + " or the address it listens on), got '" + (host == null ? "" : host) + "'");
      }
      boolean changes = !req.method().equals(HttpMethods.GET) && !req.method().equals(HttpMethods.HEAD);
      if (changes) {
        Optional<HttpHeader> origin = req.getHeader("Origin");
        if (origin.isPresent() && !sameOrigin(origin.get().value())) {
          return refuse(StatusCodes.FORBIDDEN, "a request from this server's own pages; Origin "
              + origin.get().value() + " is another site");
        }
        Optional<HttpHeader> t = req.getHeader(TOKEN_HEADER);
        if (t.isEmpty() || !constantTimeEquals(t.get().value(), token)) {
          return refuse(StatusCodes.FORBIDDEN, "the data folder's token in the " + TOKEN_HEADER + " header (the "
              + "dashboard sends it; `s3nas serve` prints where it is kept)");
        }
      }
      return inner;
    }));
  }

  private boolean sameOrigin(String origin) {
    String o = origin.toLowerCase(Locale.ROOT);
    if (!o.startsWith("http://") && !o.startsWith("https://")) {
      return false;
    }
    String rest = o.substring(o.indexOf("://") + 3);
    String name = rest.startsWith("[") ? rest.substring(0, rest.indexOf(']') + 1)
        : rest.contains(":") ? rest.substring(0, rest.indexOf(':')) : rest;
    return hosts.contains(name);
  }

  private static String hostName(HttpRequest req) {
    Optional<HttpHeader> h = req.getHeader("Host");
    if (h.isEmpty()) {
      return null;
    }
    String v = h.get().value().toLowerCase(Locale.ROOT).strip();
    if (v.startsWith("[")) {
      int end = v.indexOf(']');
      return end < 0 ? v : v.substring(0, end + 1);
    }
    int colon = v.indexOf(':');
    return colon < 0 ? v : v.substring(0, colon);
  }

  private static boolean constantTimeEquals(String a, String b) {
    return java.security.MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static Route refuse(org.apache.pekko.http.javadsl.model.StatusCode code, String expected) {
    return complete(HttpResponse.create().withStatus(code).withEntity(ContentTypes.APPLICATION_JSON,
        ("{\"error\":" + quote(expected) + "}").getBytes(StandardCharsets.UTF_8)));
  }

  private static String quote(String s) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
