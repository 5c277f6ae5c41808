package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code s3nas search --cluster URL}: hands a checked search config to a cluster node's HTTP API
 * ({@code POST /api/searches?id=ID}, docs/cluster.md) with the token of the data folder the nodes
 * share, instead of running it in this process.
 */
final class ClusterSubmit {
  private ClusterSubmit() {}

  /** Submits; returns the node's JSON answer. A refused or unreachable node is bad input (exit 2). */
  static String submit(String node, String id, Path config, Path tokenFile) throws IOException, InterruptedException {
    ClusterClient c = ClusterClient.of(node, tokenFile);
    ClusterClient.Answer r = c.post("api/searches?id=" + id, Files.readString(config));
    if (r.status() != 202) {
      throw new InvalidInputException("--cluster", null, "a node that takes the search; " + c.base() + " answered "
          + r.status() + ": " + r.body());
    }
    return r.body();
  }
}
