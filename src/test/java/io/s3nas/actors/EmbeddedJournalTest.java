package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A search entity on the real embedded H2 journal survives the end of its actor system. */
class EmbeddedJournalTest {
  @TempDir Path dir;

  ActorTestKit system() {
    EmbeddedJournal.createSchema(dir);
    return ActorTestKit.create("journal", EmbeddedJournal.config(dir).withFallback(ConfigFactory.load()));
  }

  @Test
  void aSearchRecoversFromTheH2FileInANewActorSystem() {
    ActorTestKit first = system();
    try {
      ActorRef<SearchSupervisor.Command> s = first.spawn(SearchSupervisor.create("h2-1"));
      TestProbe<StatusReply<Done>> ack = first.createTestProbe();
      s.tell(new SearchSupervisor.Submit(SearchSupervisorTest.SPEC, ack.getRef()));
      assertTrue(ack.receiveMessage(Duration.ofSeconds(20)).isSuccess());
      s.tell(new SearchSupervisor.LatencyReady("table", 4, 12, 9.0, 6.5, 0.05, ack.getRef()));
      ack.receiveMessage(Duration.ofSeconds(10));
      s.tell(new SearchSupervisor.SupernetProgressed(50, 392, "warmup", 2.0, 8.0, "ckpt-50", ack.getRef()));
      assertTrue(ack.receiveMessage(Duration.ofSeconds(10)).isSuccess());
    } finally {
      first.shutdownTestKit();
    }
    EmbeddedJournal.createSchema(dir); // idempotent on an existing file
    ActorTestKit second = system();
    try {
      ActorRef<SearchSupervisor.Command> s = second.spawn(SearchSupervisor.create("h2-1"));
      TestProbe<SearchSupervisor.Status> st = second.createTestProbe();
      s.tell(new SearchSupervisor.GetStatus(st.getRef()));
      SearchSupervisor.Status status = st.receiveMessage(Duration.ofSeconds(20));
      assertEquals("running", status.state());
      assertEquals(Stage.SUPERNET, status.stage());
      assertEquals(50, status.step());
      assertEquals("ckpt-50", status.checkpointRef());
      assertEquals(List.of(), status.architecture());
    } finally {
      second.shutdownTestKit();
    }
  }

  /** Local addresses of the listening TCP sockets this process owns, from /proc (Linux). */
  static List<String> listeningAddresses() throws java.io.IOException {
    java.util.Set<String> inodes = new java.util.HashSet<>();
    try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = java.nio.file.Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (java.io.IOException gone) {
          // closed while listing
        }
      }
    }
    List<String> out = new java.util.ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = java.nio.file.Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
          out.add(f[1]);
        }
      }
    }
    return out;
  }

  static boolean loopback(String hexAddressAndPort) {
    String a = hexAddressAndPort.substring(0, hexAddressAndPort.indexOf(':'));
    // IPv4 127.x.x.x is stored little-endian (…7F); IPv6 ::1, or ::ffff:127.x.x.x
    return a.length() == 8 ? a.endsWith("7F") : a.equals("00000000000000000000000001000000")
        || a.startsWith("0000000000000000FFFF0000") && a.endsWith("7F");
  }

  @Test
  void theJournalListensOnLoopbackOnlyAndRefusesStrangers() throws Exception {
    ActorTestKit kit = system();
    try {
      ActorRef<SearchSupervisor.Command> s = kit.spawn(SearchSupervisor.create("h2-2"));
      TestProbe<StatusReply<Done>> ack = kit.createTestProbe();
      s.tell(new SearchSupervisor.Submit(SearchSupervisorTest.SPEC, ack.getRef()));
      assertTrue(ack.receiveMessage(Duration.ofSeconds(20)).isSuccess());
      List<String> listening = listeningAddresses();
      assertTrue(!listening.isEmpty(), "H2's auto-server and socket lock listen");
      for (String a : listening) {
        assertTrue(loopback(a), "listening beyond loopback: " + a + " of " + listening);
      }
      // the journal's password is the folder's own: no empty password, and no Java functions from SQL
      String url = EmbeddedJournal.url(dir);
      java.sql.SQLException noPassword = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
          () -> java.sql.DriverManager.getConnection(url, "sa", "").close());
      assertEquals(28000, noPassword.getErrorCode(), noPassword.getMessage());
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", EmbeddedJournal.password(dir));
           java.sql.Statement st = c.createStatement()) {
        java.sql.SQLException alias = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
            () -> st.execute("CREATE ALIAS EXEC_IT FOR \"java.lang.Runtime.getRuntime\""));
        assertTrue(alias.getMessage().toLowerCase().contains("not allowed") || alias.getMessage().contains("90134"),
            alias.getMessage());
      }
      var perms = java.nio.file.Files.getPosixFilePermissions(dir);
      assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"), perms);
      assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
          java.nio.file.Files.getPosixFilePermissions(dir.resolve("journal.key")));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aDataFolderThatWouldAddH2SettingsIsRefused() {
    io.s3nas.common.InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.s3nas.common.InvalidInputException.class, () -> EmbeddedJournal.url(dir.resolve("x;INIT=RUNSCRIPT FROM 'y'")));
    assertTrue(e.getMessage().contains("--data-dir") && e.getMessage().contains(";"), e.getMessage());
  }

  @Test
  void aJournalMadeWithoutAPasswordIsGivenOne() throws Exception {
    java.nio.file.Files.createDirectories(dir);
    String url = EmbeddedJournal.url(dir);
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", "")) {
      c.createStatement().execute("CREATE TABLE old_one (x INT)");
    }
    EmbeddedJournal.createSchema(dir);
    org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
        () -> java.sql.DriverManager.getConnection(url, "sa", "").close());
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", EmbeddedJournal.password(dir))) {
      assertTrue(c.getMetaData().getTables(null, null, "old_one", null).next(), "the old data is still there");
    }
  }
}
