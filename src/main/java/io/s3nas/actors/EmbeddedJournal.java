package io.s3nas.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The default journal: an embedded H2 file under the data directory ({@code <data-dir>/journal}),
 * reached through pekko-persistence-jdbc with one shared database for the journal, the snapshots
 * and the read journal. H2 runs in its auto-server mode, so a second process ({@code s3nas status},
 * {@code watch}) can read while a search writes. The lock is H2's socket lock: after a
 * {@code kill -9} its owner's socket is gone and the next process takes the file at once, where the
 * default file lock makes it wait 2–4 s for a dead watchdog (measured with scripts/bench-resume). The
 * schema is created idempotently before the actor system starts.
 */
public final class EmbeddedJournal {
  private EmbeddedJournal() {}

  public static String url(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("journal")
        + ";DATABASE_TO_UPPER=false;AUTO_SERVER=TRUE;FILE_LOCK=SOCKET";
  }

  /**
   * Creates the tables when missing (safe to run on every start). Serialized within the JVM and
   * retried once: two processes creating the same fresh file can race on its first DDL.
   */
  public static synchronized void createSchema(Path dataDir) {
    try {
      tryCreateSchema(dataDir);
    } catch (IllegalStateException first) {
      tryCreateSchema(dataDir);
    }
  }

  private static void tryCreateSchema(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      String ddl;
      try (InputStream in = EmbeddedJournal.class.getResourceAsStream("h2-schema.sql")) {
        ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      try (Connection c = DriverManager.getConnection(url(dataDir), "sa", ""); Statement s = c.createStatement()) {
        for (String stmt : ddl.replaceAll("(?m)^--.*$", "").split(";")) {
          if (!stmt.isBlank()) {
            s.execute(stmt);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the journal schema in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** Persistence settings for the H2 file, to layer over {@code application.conf}. */
  public static Config config(Path dataDir) {
    String url = url(dataDir).replace("\\", "\\\\").replace("\"", "\\\"");
    return ConfigFactory.parseString("""
        pekko.persistence.journal.plugin = "jdbc-journal"
        pekko.persistence.snapshot-store.plugin = "jdbc-snapshot-store"
        jdbc-journal.use-shared-db = "s3nas"
        jdbc-snapshot-store.use-shared-db = "s3nas"
        jdbc-read-journal.use-shared-db = "s3nas"
        pekko-persistence-jdbc.shared-databases.s3nas {
          profile = "slick.jdbc.H2Profile$"
          db {
            url = "%s"
            user = "sa"
            password = ""
            driver = "org.h2.Driver"
            numThreads = 2
            maxConnections = 2
            minConnections = 1
          }
        }
        """.formatted(url));
  }
}
