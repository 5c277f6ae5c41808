package io.s3nas.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests (cluster/k8s), checked as far as a machine without a cluster allows:
 * every file parses as Kubernetes objects in the s3nas namespace; the node config in the ConfigMap
 * resolves with the environment the StatefulSet gives it and holds only node keys; its ports,
 * files and DNS names agree with the StatefulSet and the service; and every Pekko setting a node
 * derives from it (TLS and seed nodes included) is a key Pekko knows.
 */
class K8sManifestsTest {
  static final Path DIR = Path.of("cluster/k8s");

  static List<JsonNode> objects() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
          while (docs.hasNext()) {
            JsonNode d = docs.next();
            assertTrue(d.hasNonNull("apiVersion") && d.hasNonNull("kind") && d.path("metadata").hasNonNull("name"),
                f + ": a Kubernetes object");
            if (!d.get("kind").asText().equals("Namespace")) {
              assertEquals("s3nas", d.path("metadata").path("namespace").asText(), f + ": in the s3nas namespace");
            }
            out.add(d);
          }
        }
      }
    }
    return out;
  }

  static JsonNode one(List<JsonNode> all, String kind) {
    List<JsonNode> k = all.stream().filter(d -> d.get("kind").asText().equals(kind)).toList();
    assertEquals(1, k.size(), "one " + kind);
    return k.get(0);
  }

  @Test
  void theManifestsParseAndTheNodeConfigAgreesWithThemAndWithPekko() throws Exception {
    List<JsonNode> all = objects();
    JsonNode sts = one(all, "StatefulSet");
    JsonNode svc = one(all, "Service");
    JsonNode cm = one(all, "ConfigMap");
    one(all, "PersistentVolumeClaim");

    Map<String, Object> env = new HashMap<>();
    env.put("POD_NAME", "s3nas-0");
    env.put("S3NAS_JOURNAL_URL", "jdbc:postgresql://db.example:5432/s3nas");
    env.put("S3NAS_JOURNAL_USER", "s3nas");
    JsonNode container = sts.at("/spec/template/spec/containers/0");
    List<String> given = new ArrayList<>();
    container.get("env").forEach(e -> given.add(e.get("name").asText()));
    assertTrue(given.containsAll(env.keySet()), "the StatefulSet sets what the config reads: " + given);

    Config node = ConfigFactory.parseString(cm.at("/data/node.conf").asText())
        .resolveWith(ConfigFactory.parseMap(env)).getConfig("s3nas.node");
    for (Map.Entry<String, ?> e : node.entrySet()) {
      assertTrue(NodeSettings.KEYS.contains(e.getKey()), "a node key: " + e.getKey());
    }
    String service = svc.at("/metadata/name").asText();
    assertEquals(service, sts.at("/spec/serviceName").asText());
    assertEquals("s3nas-0." + service + ".s3nas.svc.cluster.local", node.getString("host"));
    int artery = node.getInt("port");
    assertEquals(artery, container.at("/ports/0/containerPort").asInt());
    assertEquals(artery, svc.at("/spec/ports/0/port").asInt());
    for (String seed : node.getStringList("seed-nodes")) {
      assertTrue(seed.matches("s3nas-[0-9]+\\." + service + "\\.s3nas\\.svc\\.cluster\\.local:" + artery), seed);
    }
    String mport = String.valueOf(node.getInt("management-port"));
    assertTrue(container.at("/readinessProbe/exec/command").toString().contains("127.0.0.1:" + mport + "/ready"));
    assertTrue(container.at("/livenessProbe/exec/command").toString().contains("127.0.0.1:" + mport + "/alive"));
    List<String> mounts = new ArrayList<>();
    container.get("volumeMounts").forEach(m -> mounts.add(m.get("mountPath").asText()));
    for (String file : List.of(node.getString("tls.key-store"), node.getString("tls.trust-store"),
        node.getString("tls.password-file"), node.getString("journal-password-file"), node.getString("data-dir"),
        node.getString("run-dir"))) {
      assertTrue(mounts.stream().anyMatch(file::startsWith), file + " is on a mounted volume: " + mounts);
    }

    // what a node makes of it: every Pekko key it sets exists in Pekko's reference configuration
    NodeSettings s = new NodeSettings(Path.of("node.conf"), node.getString("name"), node.getString("host"), artery,
        node.getInt("management-port"), node.getStringList("roles"), List.of(), 0,
        node.getDuration("stable-after"), node.getString("journal-url"), node.getString("journal-user"),
        Path.of(node.getString("journal-password-file")), Path.of(node.getString("conf-dir")),
        Path.of(node.getString("data-dir")), Path.of(node.getString("run-dir")), node.getInt("http-port"), 100,
        node.getStringList("seed-nodes"), new NodeTls(Path.of(node.getString("tls.key-store")),
        Path.of(node.getString("tls.trust-store")), "secret"));
    Config reference = ConfigFactory.defaultReference();
    Config pekko = s.pekkoConfig();
    for (Map.Entry<String, ?> e : pekko.entrySet()) {
      if (!e.getKey().startsWith("pekko.discovery.config.services.")) {
        assertTrue(reference.hasPathOrNull(e.getKey()), "a key Pekko knows: " + e.getKey());
      }
    }
    assertEquals("tls-tcp", pekko.getString("pekko.remote.artery.transport"));
    assertEquals("127.0.0.1", pekko.getString("pekko.management.http.hostname"), "management stays in the pod");
    assertEquals("pekko://s3nas@s3nas-0.s3nas-nodes.s3nas.svc.cluster.local:25520",
        pekko.getStringList("pekko.cluster.seed-nodes").get(0));
    assertEquals(Duration.ofSeconds(10), node.getDuration("stable-after"));
  }
}
