package io.s3nas.actors;

import io.s3nas.common.InvalidInputException;
import io.s3nas.common.LocalSecret;
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
 * kept to its user: the folder is {@code 0700}; H2's auto-server and socket lock listen on the
 * loopback interface only ({@code h2.bindAddress}); the database has a random password of the data
 * folder's own ({@code journal.key}, {@code 0600}; a journal made before it had none is given it);
 * user-defined Java functions ({@code CREATE ALIAS}) are refused ({@code h2.allowedClasses}); and
 * the folder's path may not hold the {@code ;} that would add settings to the JDBC URL.
 * reached through pekko-persistence-jdbc with one shared database for the journal, the snapshots
 * and the read journal. H2 runs in its auto-server mode, so a second process ({@code s3nas status},
 * {@code watch}) can read while a search writes. The lock is H2's socket lock: after a
 * {@code kill -9} its owner's socket is gone and the next process takes the file at once, where the
 * default file lock makes it wait 2–4 s for a dead watchdog (measured with scripts/bench-resume). The
 * schema is created idempotently before the actor system starts.
 */
public final class EmbeddedJournal {
  static final String USER = "sa";

  static {
    // before H2 opens a socket: listen on loopback only; no Java functions from SQL
    if (System.getProperty("h2.bindAddress") == null) {
      System.setProperty("h2.bindAddress", "127.0.0.1");
    }
    if (System.getProperty("h2.allowedClasses") == null) {
      System.setProperty("h2.allowedClasses", "org.h2.server.TcpServer"); // its auto-server needs this one
    }
  }

  private EmbeddedJournal() {}

  public static String url(Path dataDir) {
    String path = dataDir.toAbsolutePath().resolve("journal").toString();
    if (path.contains(";") || path.contains("\n") || path.contains("\0")) {
      throw new InvalidInputException("--data-dir", null, "a folder whose path has no ';' or line break (H2 reads "
          + "them as settings), got '" + dataDir + "'");
    }
    return "jdbc:h2:file:" + path + ";DATABASE_TO_UPPER=false;AUTO_SERVER=TRUE;FILE_LOCK=SOCKET";
  }

  /** The data folder's journal password ({@code journal.key}, {@code 0600}, made on first use). */
  public static String password(Path dataDir) {
    return LocalSecret.of(dataDir, "journal.key");
  }

  /** A connection with the folder's password; a journal created without one is given it first. */
  static Connection connect(Path dataDir) throws SQLException {
    String pw = password(dataDir);
    try {
      return DriverManager.getConnection(url(dataDir), USER, pw);
    } catch (SQLException wrong) {
      if (wrong.getErrorCode() != 28000) { // wrong user name or password
        throw wrong;
      }
      try (Connection old = DriverManager.getConnection(url(dataDir), USER, ""); Statement s = old.createStatement()) {
        s.execute("ALTER USER " + USER + " SET PASSWORD '" + pw + "'");
      } catch (SQLException e) {
        throw wrong;
      }
      return DriverManager.getConnection(url(dataDir), USER, pw);
    }
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
      LocalSecret.privateDirectory(dataDir);
      String ddl;
      try (InputStream in = EmbeddedJournal.class.getResourceAsStream("h2-schema.sql")) {
        ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      try (Connection c = connect(dataDir); Statement s = c.createStatement()) {
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
    String pw = password(dataDir);
    return ConfigFactory.parseString("""
        pekko.persistence.journal.plugin = "jdbc-journal"
        pekko.persistence.snapshot-store.plugin = "jdbc-snapshot-store"
        jdbc-journal.use-shared-db = "s3nas"
        jdbc-snapshot-store.use-shared-db = "s3nas"
        # the readers (list, status, event streams, the HTTP API) have a pool of their own: they never wait
        # for a connection the search's writes hold
        jdbc-read-journal.use-shared-db = "s3nas-read"
        pekko-persistence-jdbc.shared-databases.s3nas-read = ${pekko-persistence-jdbc.shared-databases.s3nas}
        pekko-persistence-jdbc.shared-databases.s3nas {
          profile = "slick.jdbc.H2Profile$"
          db {
            url = "%s"
            user = "%s"
            password = "%s"
            driver = "org.h2.Driver"
            numThreads = 2
            maxConnections = 2
            minConnections = 1
          }
        }
        """.formatted(url, USER, pw)).resolve();
  }
}
