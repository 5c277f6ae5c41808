package io.s3nas.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A cluster node's HTTP API (docs/cluster.md) as the CLI uses it: {@code search --cluster} and
 * {@code sweep --cluster}, with the token of the data folder the nodes share. An address that is not a
 * node, a missing token or a node that does not answer is bad input (exit 2).
 */
final class ClusterClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A node's answer: its HTTP status and body. */
  record Answer(int status, String body) {
    /** The {@code error} of a JSON error body, or the body. */
    String error() {
      try {
        return JSON.readTree(body).path("error").asText(body);
      } catch (IOException e) {
        return body;
      }
    }
  }

  private final URI base;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private ClusterClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  static ClusterClient of(String node, Path tokenFile) throws IOException {
    URI base;
    try {
      base = URI.create(node.endsWith("/") ? node : node + "/");
      if (!"http".equals(base.getScheme()) || base.getHost() == null) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--cluster", null, "a node's HTTP address such as http://127.0.0.1:8081, got '"
          + node + "'");
    }
    if (!Files.isReadable(tokenFile)) {
      throw new InvalidInputException("--data-dir", null, "the data folder the nodes share, holding http.token ("
          + tokenFile + " is not readable)");
    }
    return new ClusterClient(base, Files.readString(tokenFile).strip());
  }

  /** POST {@code path} (relative to the node, query included) with {@code body}. */
  Answer post(String path, String body) throws InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).header("X-S3nas-Token", token)
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
  }

  /** A search's status ({@code GET /api/searches/ID}), or null when the journal does not hold it. */
  JsonNode status(String id) throws InterruptedException, IOException {
    Answer a = send(HttpRequest.newBuilder(base.resolve("api/searches/" + id)).header("X-S3nas-Token", token)
        .timeout(Duration.ofSeconds(30)).GET().build());
    return a.status() == 200 ? JSON.readTree(a.body()) : null;
  }

  private Answer send(HttpRequest request) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new InvalidInputException("--cluster", null, "a node that answers; " + base + " failed: " + e);
    }
  }

  URI base() {
    return base;
  }
}
