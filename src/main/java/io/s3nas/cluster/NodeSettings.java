package io.s3nas.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import io.s3nas.common.InvalidInputException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One cluster node's settings, read from its config file ({@code cluster/node1.conf}; every key
 * under {@code s3nas.node}, documented in docs/cluster.md) and checked before anything starts: an
 * unknown key, a missing one, a value of the wrong kind, a role that does not exist or an address
 * beyond loopback is bad input naming the file and the key.
 *
 * <p>Beyond loopback, plain Artery would let anyone on the network join and command the cluster: a
 * node binds beyond loopback only with {@link NodeTls} (Artery over TLS, peers authenticated by the
 * cluster's CA), and then finds the others by {@code seed-nodes} over that transport; its
 * management endpoint and HTTP API stay on 127.0.0.1 (docs/cluster.md, "Nodes on several machines").
 *
 * @param file where the settings came from (for messages)
 * @param name the node's name in logs and the dashboard
 * @param host the address Artery binds to and other nodes reach it at (beyond loopback only with tls)
 * @param port Artery's TCP port
 * @param managementPort Pekko Management's HTTP port (health checks, read-only cluster routes)
 * @param roles the node's roles: {@code core}, {@code worker}, {@code device-<platform>}
 * @param contactPoints the management addresses ({@code host:port}) of the nodes that form the
 *     cluster: Cluster Bootstrap's static list (config discovery)
 * @param requiredContactPoints how many of them must answer before a new cluster forms
 * @param stableAfter the Split Brain Resolver's wait before it downs unreachable nodes
 * @param journalUrl a PostgreSQL journal ({@code null}: none yet)
 * @param journalUser its user
 * @param journalPasswordFile the file holding its password
 * @param confDir platforms and supernets the searches name ({@code conf})
 * @param dataDir checkpoints and the HTTP token: storage every worker node reaches at the same path
 * @param runDir the searches' outputs, also on shared storage
 * @param httpPort the dashboard and HTTP API on this node's host (null: none)
 * @param checkpointEvery steps between a stage's checkpoints
 * @param seedNodes the Artery addresses ({@code host:port}) of the nodes that form the cluster, instead
 *     of contact points (empty: Cluster Bootstrap over {@code contactPoints})
 * @param tls Artery over mutually authenticated TLS (null: plain TCP, loopback only)
 */
public record NodeSettings(Path file, String name, String host, int port, int managementPort, List<String> roles,
                           List<String> contactPoints, int requiredContactPoints, Duration stableAfter,
                           String journalUrl, String journalUser, Path journalPasswordFile, Path confDir,
                           Path dataDir, Path runDir, Integer httpPort, int checkpointEvery, List<String> seedNodes,
                           NodeTls tls) {
  /** Every key a node config may hold, under {@code s3nas.node}. */
  public static final Set<String> KEYS = Set.of("name", "host", "port", "management-port", "roles", "contact-points",
      "required-contact-points", "stable-after", "journal-url", "journal-user", "journal-password-file", "conf-dir",
      "data-dir", "run-dir", "http-port", "checkpoint-every", "seed-nodes", "tls.key-store", "tls.trust-store",
      "tls.password-file");
  /** The actor system's name: every node of one cluster has the same. */
  public static final String SYSTEM = "s3nas";

  /** Reads and checks {@code file}. */
  public static NodeSettings read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException(file.toString(), null, "a node config file (see cluster/node1.conf)");
    }
    Config all;
    try {
      all = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), null, "HOCON: " + e.getMessage());
    }
    for (Map.Entry<String, ?> e : all.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("s3nas.node.") || !KEYS.contains(key.substring("s3nas.node.".length()))) {
        throw new InvalidInputException(file.toString(), key, "one of s3nas.node." + String.join(", s3nas.node.",
            new java.util.TreeSet<>(KEYS)));
      }
    }
    Config c = all.hasPath("s3nas.node") ? all.getConfig("s3nas.node") : ConfigFactory.empty();
    String name = string(file, c, "name", file.getFileName().toString().replaceFirst("\\.conf$", ""));
    String host = string(file, c, "host", "127.0.0.1");
    NodeTls tls = c.hasPath("tls") ? NodeTls.read(file, c.getConfig("tls")) : null;
    try {
      if (!InetAddress.getByName(host).isLoopbackAddress() && tls == null) {
        throw new InvalidInputException(file.toString(), "s3nas.node.host", "a loopback address (127.0.0.1), or a "
            + "tls { key-store, trust-store, password-file } section: without TLS a node beyond loopback would let "
            + "anyone on the network join and command the cluster; got " + host);
      }
    } catch (UnknownHostException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node.host", "an address this machine resolves, got "
          + "unknown " + host);
    }
    int port = port(file, c, "port");
    int mport = port(file, c, "management-port");
    if (port == mport) {
      throw new InvalidInputException(file.toString(), "s3nas.node.management-port", "a port other than s3nas.node.port ("
          + port + ")");
    }
    List<String> roles = list(file, c, "roles", List.of("core", "worker"));
    for (String r : roles) {
      if (!r.equals("core") && !r.equals("worker") && !r.matches("device-[a-z0-9][a-z0-9._-]*")) {
        throw new InvalidInputException(file.toString(), "s3nas.node.roles", "roles among core, worker and "
            + "device-<platform>, got '" + r + "'");
      }
    }
    List<String> seeds = list(file, c, "seed-nodes", List.of());
    List<String> contacts = list(file, c, "contact-points", List.of());
    if (contacts.isEmpty() == seeds.isEmpty()) {
      throw new InvalidInputException(file.toString(), "s3nas.node.contact-points", (seeds.isEmpty() ? "missing" : "not "
          + "both contact-points and seed-nodes") + ": the management addresses (host:port) of the cluster's nodes on "
          + "this machine, e.g. [\"127.0.0.1:7626\", \"127.0.0.1:7627\", \"127.0.0.1:7628\"], or seed-nodes: the "
          + "Artery addresses (host:port) of the nodes that form a cluster across machines");
    }
    for (String cp : seeds) {
      if (!cp.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
        throw new InvalidInputException(file.toString(), "s3nas.node.seed-nodes", "host:port entries, got '" + cp + "'");
      }
    }
    if (!contacts.isEmpty() && tls != null) {
      throw new InvalidInputException(file.toString(), "s3nas.node.contact-points", "seed-nodes with tls: Cluster "
          + "Bootstrap probes contact points over plain HTTP, which a TLS cluster does not serve beyond loopback");
    }
    for (String cp : contacts) {
      if (!cp.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
        throw new InvalidInputException(file.toString(), "s3nas.node.contact-points", "host:port entries, got '"
            + cp + "'");
      }
    }
    int required = c.hasPath("required-contact-points") ? integer(file, c, "required-contact-points")
        : Math.min(2, contacts.size());
    if (!contacts.isEmpty() && (required < 1 || required > contacts.size())) {
      throw new InvalidInputException(file.toString(), "s3nas.node.required-contact-points", "from 1 to the number of "
          + "contact points (" + contacts.size() + "), got " + required);
    }
    Duration stable;
    try {
      stable = c.hasPath("stable-after") ? c.getDuration("stable-after") : Duration.ofSeconds(10);
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node.stable-after", "a duration such as 10s");
    }
    if (stable.isNegative() || stable.isZero()) {
      throw new InvalidInputException(file.toString(), "s3nas.node.stable-after", "a positive duration");
    }
    String journal = c.hasPath("journal-url") ? string(file, c, "journal-url", null) : null;
    String user = c.hasPath("journal-user") ? string(file, c, "journal-user", null) : null;
    Path pw = c.hasPath("journal-password-file") ? Path.of(string(file, c, "journal-password-file", null)) : null;
    Path conf = Path.of(string(file, c, "conf-dir", "conf"));
    Path data = Path.of(string(file, c, "data-dir", Path.of(System.getProperty("user.home"), ".s3nas").toString()));
    Path runs = Path.of(string(file, c, "run-dir", "runs/search"));
    Integer http = c.hasPath("http-port") ? port(file, c, "http-port") : null;
    if (http != null && (http == port || http == mport)) {
      throw new InvalidInputException(file.toString(), "s3nas.node.http-port", "a port other than s3nas.node.port and "
          + "s3nas.node.management-port");
    }
    int every = c.hasPath("checkpoint-every") ? integer(file, c, "checkpoint-every") : 100;
    if (every < 1) {
      throw new InvalidInputException(file.toString(), "s3nas.node.checkpoint-every", "a positive number of steps");
    }
    for (String r : roles) {
      if (r.startsWith(DEVICE_ROLE)) {
        devicePlatform(file, conf, r.substring(DEVICE_ROLE.length()));
      }
    }
    return new NodeSettings(file, name, host, port, mport, List.copyOf(roles), List.copyOf(contacts), required, stable,
        journal, user, pw, conf, data, runs, http, every, List.copyOf(seeds), tls);
  }

  /**
   * Where the management endpoint and the HTTP API listen: the node's host on loopback, else
   * 127.0.0.1 (beyond loopback only Artery, authenticated by TLS, listens on the network).
   */
  public String localHost() {
    try {
      return InetAddress.getByName(host).isLoopbackAddress() ? host : "127.0.0.1";
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  /** The prefix of the role of a node that serves a platform's latency (docs/cluster.md, "Device nodes"). */
  public static final String DEVICE_ROLE = "device-";

  /** The platforms this node serves as a device: its {@code device-<platform>} roles. */
  public List<String> devicePlatforms() {
    return roles.stream().filter(r -> r.startsWith(DEVICE_ROLE)).map(r -> r.substring(DEVICE_ROLE.length())).toList();
  }

  /** A device role names a platform of the node's conf-dir that this machine times (nd4j or onnxruntime). */
  private static void devicePlatform(Path file, Path conf, String platform) {
    io.s3nas.latency.HardwarePlatform p;
    try {
      p = io.s3nas.platform.HardwareRegistry.load(conf.resolve("hardware")).platform(platform);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node.roles", "device-" + platform + " names a platform "
          + "of " + conf.resolve("hardware") + ": " + e.getMessage());
    }
    if (p.kind() != io.s3nas.latency.HardwarePlatform.Kind.ND4J
        && p.kind() != io.s3nas.latency.HardwarePlatform.Kind.ONNXRUNTIME) {
      throw new InvalidInputException(file.toString(), "s3nas.node.roles", "device-" + platform + ": a platform this "
          + "node measures (kind nd4j or onnxruntime); " + p.file() + " is kind " + p.kind().name().toLowerCase(
          java.util.Locale.ROOT));
    }
  }

  private static String string(Path file, Config c, String key, String fallback) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    try {
      return c.getString(key);
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node." + key, "a string");
    }
  }

  private static int integer(Path file, Config c, String key) {
    try {
      return c.getInt(key);
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node." + key, "a whole number");
    }
  }

  private static int port(Path file, Config c, String key) {
    if (!c.hasPath(key)) {
      throw new InvalidInputException(file.toString(), "s3nas.node." + key, "a TCP port (1-65535)");
    }
    int p = integer(file, c, key);
    if (p < 1 || p > 65535) {
      throw new InvalidInputException(file.toString(), "s3nas.node." + key, "a TCP port (1-65535), got " + p);
    }
    return p;
  }

  private static List<String> list(Path file, Config c, String key, List<String> fallback) {
    if (!c.hasPath(key)) {
      return fallback;
    }
    try {
      return c.getStringList(key);
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), "s3nas.node." + key, "a list of strings");
    }
  }

  /** Whether this node takes part in running searches (they need the shared journal). */
  public boolean runsSearches() {
    return journalUrl != null;
  }

  /** The Pekko settings of this node (docs/cluster.md), to layer over {@code application.conf}. */
  public Config pekkoConfig() {
    List<Object> endpoints = new ArrayList<>();
    for (String cp : contactPoints) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("host", cp.substring(0, cp.lastIndexOf(':')));
      e.put("port", Integer.parseInt(cp.substring(cp.lastIndexOf(':') + 1)));
      endpoints.add(e);
    }
    return ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.cluster.downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
        pekko.cluster.split-brain-resolver.active-strategy = keep-majority
        pekko.cluster.split-brain-resolver.keep-majority.role = "core"
        pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes = 60s
        pekko.coordinated-shutdown.exit-jvm = on
        pekko.management.http.route-providers-read-only = true
        pekko.management.cluster.bootstrap.contact-point-discovery.service-name = "s3nas"
        pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method = config
        # the nodes of one machine differ by port, not by address: keep every listed contact point
        pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port = false
        # the searches: remembered in the journal, so a lost node's running searches restart elsewhere
        pekko.cluster.sharding.remember-entities = on
        pekko.cluster.sharding.remember-entities-store = eventsourced
        """)
        .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles))
        .withValue("pekko.cluster.split-brain-resolver.stable-after",
            ConfigValueFactory.fromAnyRef(stableAfter.toMillis() + "ms"))
        .withValue("pekko.management.http.hostname", ConfigValueFactory.fromAnyRef(localHost()))
        .withValue("pekko.management.http.port", ConfigValueFactory.fromAnyRef(managementPort))
        .withValue("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr",
            ConfigValueFactory.fromAnyRef(requiredContactPoints))
        .withValue("pekko.discovery.config.services.s3nas.endpoints", ConfigValueFactory.fromIterable(endpoints))
        .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seedNodes.stream()
            .map(h -> "pekko://" + SYSTEM + "@" + h).toList()))
        .withFallback(tls != null ? tls.pekkoConfig()
            : ConfigFactory.parseString("pekko.remote.artery.transport = tcp"));
  }
}
