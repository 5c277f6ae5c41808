package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.actors.Journal;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal in a real PostgreSQL server, started by the project's own {@code cluster/postgres} on
 * a free loopback port: a search runs on it end to end and every reader finds it there (the
 * embedded journal is never created); three schema creations at once do not collide; a server that
 * cannot be reached, and a URL with credentials in it, are exit 2 with nothing written. Needs
 * Debian's {@code postgresql} (.ci/run installs it); skipped, with the reason, where it is absent.
 */
class PostgresJournalTest {
  static LocalPostgres pg;
  static String url;
  static Path passwordFile;

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = LocalPostgres.start();
    url = pg.url;
    passwordFile = pg.passwordFile;
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (pg != null) {
      pg.stop();
    }
  }

  static Connection sql() throws Exception {
    return DriverManager.getConnection(url, "s3nas", Files.readString(passwordFile).strip());
  }

  static long events(String persistenceId) throws Exception {
    try (Connection c = sql(); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT count(*) FROM event_journal WHERE persistence_id = '" + persistenceId + "'")) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void aSearchRunsOnThePostgresJournalAndEveryReaderFindsItThere(@TempDir Path tmp) throws Exception {
    Path conf = TinySearch.config(tmp, "pg-search", 64, 0.7,
        "warmup-epochs = 0.5\nsearch-epochs = 0.5\nfinal-epochs = 1\nbatch = 16\n");
    Path state = tmp.resolve("state");
    String[] journal = {"--data-dir", state.toString(), "--journal", url, "--journal-user", "s3nas",
        "--journal-password-file", passwordFile.toString()};
    List<String> args = new ArrayList<>(List.of("search", "--config", conf.toString(), "--run-dir",
        tmp.resolve("runs").toString(), "--checkpoint-every", "2"));
    args.addAll(List.of(journal));
    CliTest.Result r = CliTest.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    assertTrue(events("Search|pg-search") >= 6, "the search's events are in PostgreSQL");
    assertFalse(Files.exists(state.resolve("journal.mv.db")), "no embedded journal was made");

    List<String> list = new ArrayList<>(List.of("list", "--json"));
    list.addAll(List.of(journal));
    CliTest.Result l = CliTest.run(list.toArray(String[]::new));
    assertEquals(0, l.code(), l.err());
    JsonNode rows = new ObjectMapper().readTree(l.out()).get("searches");
    boolean found = false;
    for (JsonNode row : rows) {
      if (row.get("search_id").asText().equals("pg-search")) {
        found = true;
        assertEquals("completed", row.get("state").asText(), row.toString());
      }
    }
    assertTrue(found, "list reads the search from PostgreSQL: " + l.out());
    List<String> status = new ArrayList<>(List.of("status", "pg-search", "--json"));
    status.addAll(List.of(journal));
    CliTest.Result st = CliTest.run(status.toArray(String[]::new));
    assertEquals(0, st.code(), st.err());
    assertEquals("pg-search", new ObjectMapper().readTree(st.out()).get("search_id").asText());
    // the same data folder without --journal is another journal: the search is not in it
    CliTest.Result embedded = CliTest.run("status", "pg-search", "--data-dir", state.toString());
    assertEquals(2, embedded.code(), embedded.out() + embedded.err());
  }

  @Test
  void nodesStartingAtOnceCreateTheSchemaOneAfterAnother() throws Exception {
    String pw = Files.readString(passwordFile).strip();
    try (Connection c = sql(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS event_tag, snapshot, event_journal"); // a fresh database
    }
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      starts.add(CompletableFuture.runAsync(() -> Journal.of(null, url, "s3nas", pw).createSchema()));
    }
    CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertEquals(0, events("nobody"));
    Journal.of(null, url, "s3nas", pw).createSchema(); // and again on an existing schema
  }

  @Test
  void anUnreachableServerOrCredentialsInTheUrlAreRefusedBeforeAnythingIsWritten(@TempDir Path tmp) throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Path state = tmp.resolve("state");
    CliTest.Result r = CliTest.run("list", "--data-dir", state.toString(), "--journal",
        "jdbc:postgresql://127.0.0.1:" + closed + "/s3nas", "--journal-password-file", passwordFile.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--journal") && r.err().contains(String.valueOf(closed)), r.err());
    assertFalse(Files.exists(state), "nothing written");
    CliTest.Result creds = CliTest.run("list", "--data-dir", state.toString(), "--journal",
        url + "?user=s3nas&password=x");
    assertEquals(2, creds.code(), creds.err());
    assertTrue(creds.err().contains("without user or password"), creds.err());
    CliTest.Result wrong = CliTest.run("list", "--data-dir", state.toString(), "--journal", url,
        "--journal-password-file", tmp.resolve("missing").toString());
    assertEquals(2, wrong.code(), wrong.err());
    assertFalse(Files.exists(state), "nothing written");
  }
}
