package io.s3nas.cli;

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
 * {@code s3nas search --cluster URL}: hands a checked search config to a cluster node's HTTP API
 * ({@code POST /api/searches?id=ID}, docs/cluster.md) with the token of the data folder the nodes
 * share, instead of running it in this process.
 */
final class ClusterSubmit {
  private ClusterSubmit() {}

  /** Submits; returns the node's JSON answer. A refused or unreachable node is bad input (exit 2). */
  static String submit(String node, String id, Path config, Path tokenFile) throws IOException, InterruptedException {
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
    String token = Files.readString(tokenFile).strip();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> r;
    try {
      r = http.send(HttpRequest.newBuilder(base.resolve("api/searches?id=" + id)).header("X-S3nas-Token", token)
          .timeout(Duration.ofSeconds(60))
          .POST(HttpRequest.BodyPublishers.ofString(Files.readString(config), StandardCharsets.UTF_8)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new InvalidInputException("--cluster", null, "a node that answers; " + base + " failed: " + e);
    }
    if (r.statusCode() != 202) {
      throw new InvalidInputException("--cluster", null, "a node that takes the search; " + base + " answered "
          + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }
}
