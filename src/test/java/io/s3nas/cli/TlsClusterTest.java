package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes that talk over TLS, with certificates from {@code cluster/make-certs}: two nodes holding
 * certificates of the cluster's CA form a cluster through their seed nodes; a node whose certificate
 * another CA signed is never admitted (mutual authentication), and the cluster stays at two. The
 * settings that would open a node to the network without TLS, or with stores its password does not
 * open, are refused before anything starts.
 */
class TlsClusterTest {
  @TempDir Path tmp;

  Path certs(String dir, String... nodes) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("cluster/make-certs", tmp.resolve(dir).toString()));
    cmd.addAll(List.of(nodes));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home")); // keytool of the JDK running the tests
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0, out);
    return tmp.resolve(dir);
  }

  Path tlsConfig(String name, int port, int mport, int seedPort, Path certs, String keyStore) throws Exception {
    Path f = tmp.resolve(name + ".conf");
    Files.writeString(f, String.format("""
        s3nas.node {
          name = %s
          port = %d
          management-port = %d
          roles = [core, worker]
          seed-nodes = ["127.0.0.1:%d"]
          stable-after = 3s
          tls {
            key-store = "%s"
            trust-store = "%s"
            password-file = "%s"
          }
        }
        """, name, port, mport, seedPort, certs.resolve(keyStore + ".p12"), certs.resolve("truststore.p12"),
        certs.resolve("password")));
    return f;
  }

  @Test
  void nodesWithTheClustersCertificatesJoinAndAStrangerIsRefused() throws Exception {
    Path ours = certs("certs", "a", "b");
    Path theirs = certs("other", "c");
    int[] ports = {NodeCommandTest.freePort(), NodeCommandTest.freePort(), NodeCommandTest.freePort()};
    int[] mports = {NodeCommandTest.freePort(), NodeCommandTest.freePort(), NodeCommandTest.freePort()};
    KillResumeTest jvm = new KillResumeTest();
    jvm.tmp = tmp;
    List<Process> nodes = new ArrayList<>();
    try {
      String[][] who = {{"a", "a"}, {"b", "b"}, {"c", "c"}};
      for (int i = 0; i < 3; i++) {
        Path conf = tlsConfig(who[i][0], ports[i], mports[i], ports[0], i < 2 ? ours : theirs, who[i][1]);
        nodes.add(NodeCommandTest.startNode(jvm.manifestJar(), conf, tmp.resolve(who[i][0] + ".log"), "-Xmx256m"));
      }
      boolean ready = NodeCommandTest.awaitReady(List.of(mports[0], mports[1]), NodeCommandTest.CLUSTER_READY);
      assertTrue(ready, "a and b formed a cluster over TLS: " + Files.readString(tmp.resolve("b.log")));
      Thread.sleep(10_000); // time for c to try
      JsonNode m = NodeCommandTest.members(mports[0]);
      assertEquals(2, m.get("members").size(), "only the nodes of the cluster's CA are members: " + m);
      assertEquals(2, NodeCommandTest.up(m), m.toString());
      HttpResponse<String> c = NodeCommandTest.get(mports[2], "/ready");
      assertTrue(c == null || c.statusCode() != 200, "the stranger is not a member");
      assertTrue(Files.readString(tmp.resolve("a.log")).contains("(TLS)"), "a says it runs TLS");
      String refused = Files.readString(tmp.resolve("a.log")) + Files.readString(tmp.resolve("c.log"));
      assertTrue(refused.contains("SSLHandshakeException") || refused.contains("certificate"),
          "the handshake with the stranger failed on its certificate:\n" + Files.readString(tmp.resolve("c.log")));
    } finally {
      for (Process p : nodes) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 3, unit = TimeUnit.MINUTES) // a config wrongly accepted runs a node forever
  void openingANodeWithoutTlsOrWithStoresItCannotOpenIsRefused() throws Exception {
    Path ours = certs("certs", "a");
    int port = NodeCommandTest.freePort();
    int mport = NodeCommandTest.freePort();
    Path conf = tlsConfig("a", port, mport, port, ours, "a");

    Path wrongPassword = tmp.resolve("wrong-password");
    Files.writeString(wrongPassword, "not-it\n");
    Path bad = Files.writeString(tmp.resolve("bad-pw.conf"), Files.readString(conf)
        .replace(ours.resolve("password").toString(), wrongPassword.toString()));
    CliTest.Result r = CliTest.run("node", "--config", bad.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("s3nas.node.tls.key-store") && r.err().contains(bad.toString()), r.err());

    Path noTrust = Files.writeString(tmp.resolve("no-trust.conf"), Files.readString(conf)
        .replace(ours.resolve("truststore.p12").toString(), ours.resolve("missing.p12").toString()));
    r = CliTest.run("node", "--config", noTrust.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("s3nas.node.tls.trust-store"), r.err());

    // beyond loopback without TLS: refused (a documentation address: refused before anything binds)
    String lan = "192.0.2.1";
    Path open = Files.writeString(tmp.resolve("open.conf"), Files.readString(conf)
        .replaceAll("(?s)  tls \\{.*?\\n  \\}\\n", "").replace("name = a", "name = a\n  host = \"" + lan + "\""));
    r = CliTest.run("node", "--config", open.toString());
    assertEquals(2, r.code(), r.err());
    assertNotEquals(-1, r.err().indexOf("s3nas.node.host"), r.err());

    // TLS with bootstrap's contact points (plain HTTP between nodes) is refused
    Path mixed = Files.writeString(tmp.resolve("mixed.conf"), Files.readString(conf)
        .replace("seed-nodes = [", "contact-points = [\"127.0.0.1:" + mport + "\"]\n  seed-nodes = ["));
    r = CliTest.run("node", "--config", mixed.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("contact-points"), r.err());
  }
}
