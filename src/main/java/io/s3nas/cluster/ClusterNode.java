package io.s3nas.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.Journal;
import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster member (docs/cluster.md): an actor system with the cluster provider on Artery TCP,
 * Pekko Management's health checks ({@code /alive}, {@code /ready}: ready once the node is an Up
 * member) and read-only cluster routes ({@code /cluster/members}), Cluster Bootstrap over the
 * node config's static list of contact points, and the Split Brain Resolver (keep-majority,
 * counted on {@code core} nodes). A downed node exits (coordinated shutdown with {@code exit-jvm}),
 * for its process supervisor to start afresh.
 *
 * <p>With a journal, the node takes part in running searches ({@link ShardedSearches}) and, with
 * an {@code http-port}, serves the dashboard and HTTP API, where searches are submitted and
 * controlled through their sharded entities.
 *
 * <p>Everything that can be refused is checked before the actor system starts: the settings
 * ({@link NodeSettings#read}), both ports free on their address (a second node with the same
 * address fails here), and the journal reachable with its schema in place.
 */
public final class ClusterNode {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

  private ClusterNode() {}

  /** Starts the node; the returned system runs until it is terminated or the node is downed. */
  public static ActorSystem<Void> start(NodeSettings s) {
    checkFree(s, s.host(), s.port(), "s3nas.node.port");
    checkFree(s, s.localHost(), s.managementPort(), "s3nas.node.management-port");
    if (s.httpPort() != null) {
      checkFree(s, s.localHost(), s.httpPort(), "s3nas.node.http-port");
    }
    Config config = s.pekkoConfig();
    if (s.journalUrl() != null) {
      Journal journal = Journal.fromEnvironment(s.dataDir(), s.journalUrl(), s.journalUser(), s.journalPasswordFile());
      journal.createSchema();
      config = config.withFallback(journal.config());
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSettings.SYSTEM,
        config.withFallback(ConfigFactory.load()));
    try {
      PekkoManagement.get(system).start().toCompletableFuture().get();
    } catch (InterruptedException | ExecutionException e) {
      system.terminate();
      throw new InvalidInputException(s.file().toString(), "s3nas.node.management-port", "a port the management "
          + "endpoint can listen on; " + s.managementPort() + " failed: " + e.getMessage());
    }
    if (s.seedNodes().isEmpty()) {
      ClusterBootstrap.get(system).start(); // else Pekko joins the seed nodes itself
    }
    for (String platform : s.devicePlatforms()) {
      // the platform's device, served to every search of the cluster (docs/cluster.md, "Device nodes")
      system.systemActorOf(DeviceLatency.create(platform,
              () -> io.s3nas.platform.HardwareRegistry.load(s.confDir().resolve("hardware")).model(platform),
              ShardedSearches.DEVICE_REQUEST), "device-latency-" + platform,
          org.apache.pekko.actor.typed.Props.empty());
      LOG.info("node {} serves the latency of {}", s.name(), platform);
    }
    if (!s.runsSearches() && s.devicePlatforms().isEmpty()) {
      LOG.warn("{}: no journal-url, so this node runs no searches{}", s.file(),
          s.httpPort() != null ? " and serves no HTTP API (its http-port is unused)" : "");
    } else if (s.runsSearches()) {
      ShardedSearches searches = ShardedSearches.start(system, s);
      if (s.httpPort() != null) {
        try {
          io.s3nas.api.SearchServer.start(system, s.localHost(), s.httpPort(), s.dataDir().toString(), false, searches)
              .toCompletableFuture().get();
        } catch (InterruptedException | ExecutionException e) {
          system.terminate();
          throw new InvalidInputException(s.file().toString(), "s3nas.node.http-port", "a port the HTTP API can listen "
              + "on; " + s.httpPort() + " failed: " + e.getMessage());
        }
      }
    }
    LOG.info("node {} started: pekko://{}@{}:{}{}, roles {}, management http://{}:{}", s.name(), NodeSettings.SYSTEM,
        s.host(), s.port(), s.tls() != null ? " (TLS)" : "", s.roles(), s.localHost(), s.managementPort());
    return system;
  }

  private static void checkFree(NodeSettings s, String host, int port, String key) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(false);
      probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new InvalidInputException(s.file().toString(), key, "a free port on " + host + ": " + port
          + " is in use (another node with the same address?)");
    }
  }
}
