package io.s3nas.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The journal in a PostgreSQL database (docs/design.md, "Journal"; cluster/README.md starts one on
 * this machine): what several processes, and the nodes of a cluster, share. The schema
 * ({@code postgres-schema.sql}, idempotent) is applied at every start inside one session that holds
 * a PostgreSQL advisory lock, so nodes starting at once never race on the same DDL. A database
 * that cannot be reached, or refuses the user, is bad input (exit 2) reported before anything
 * starts, with the URL and the driver's reason.
 *
 * @param url {@code jdbc:postgresql://host[:port]/database}, no credentials in it
 * @param user the database user
 * @param password the user's password (empty for trust authentication)
 */
public record PostgresJournal(String url, String user, String password) implements Journal {
  /** The advisory lock every s3nas node takes around the schema (an arbitrary constant of ours: "s3nas"). */
  static final long SCHEMA_LOCK = 0x7333_6e61_73L;
  private static final int CONNECT_TIMEOUT_S = 10;

  public PostgresJournal {
    if (!url.matches("jdbc:postgresql://[^/?#\\s;]+/[A-Za-z0-9_\\-]+(\\?[^\\s#]*)?")) {
      throw new InvalidInputException("--journal", null, "a PostgreSQL JDBC URL such as "
          + "jdbc:postgresql://127.0.0.1:5432/s3nas, got '" + url + "'");
    }
    if (url.toLowerCase(java.util.Locale.ROOT).matches(".*[?&](user|password)=.*")) {
      throw new InvalidInputException("--journal", null, "a URL without user or password (give them with "
          + "--journal-user and --journal-password-file, or S3NAS_JOURNAL_USER and S3NAS_JOURNAL_PASSWORD_FILE)");
    }
    if (user == null || user.isBlank()) {
      throw new InvalidInputException("--journal-user", null, "a database user name");
    }
    password = password == null ? "" : password;
  }

  static PostgresJournal of(String url, String user, String password) {
    return new PostgresJournal(url, user, password);
  }

  private Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_S));
    p.setProperty("ApplicationName", "s3nas");
    return DriverManager.getConnection(url, p);
  }

  @Override
  public void createSchema() {
    String ddl;
    try (InputStream in = PostgresJournal.class.getResourceAsStream("postgres-schema.sql")) {
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Connection c;
    try {
      c = connect();
    } catch (SQLException e) {
      throw new InvalidInputException("--journal", null, "a PostgreSQL database this process can reach and log in "
          + "to as '" + user + "'; " + url + " failed: " + e.getMessage());
    }
    try (c; Statement s = c.createStatement()) {
      s.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
      try {
        for (String stmt : ddl.replaceAll("(?m)^--.*$", "").split(";")) {
          if (!stmt.isBlank()) {
            s.execute(stmt);
          }
        }
      } finally {
        s.execute("SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the journal schema in " + url + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Config config() {
    // values set through ConfigValueFactory, never pasted into HOCON text: a password may hold any character
    Config db = ConfigFactory.empty()
        .withValue("url", ConfigValueFactory.fromAnyRef(url))
        .withValue("user", ConfigValueFactory.fromAnyRef(user))
        .withValue("password", ConfigValueFactory.fromAnyRef(password))
        .withValue("driver", ConfigValueFactory.fromAnyRef("org.postgresql.Driver"))
        .withValue("connectionPool", ConfigValueFactory.fromAnyRef("HikariCP"))
        .withValue("numThreads", ConfigValueFactory.fromAnyRef(4))
        .withValue("maxConnections", ConfigValueFactory.fromAnyRef(4))
        .withValue("minConnections", ConfigValueFactory.fromAnyRef(1));
    Config shared = ConfigFactory.empty()
        .withValue("profile", ConfigValueFactory.fromAnyRef("slick.jdbc.PostgresProfile$"))
        .withValue("db", db.root());
    return ConfigFactory.parseString("""
        pekko.persistence.journal.plugin = "jdbc-journal"
        pekko.persistence.snapshot-store.plugin = "jdbc-snapshot-store"
        jdbc-journal.use-shared-db = "s3nas"
        jdbc-snapshot-store.use-shared-db = "s3nas"
        jdbc-read-journal.use-shared-db = "s3nas-read"
        """).withValue("pekko-persistence-jdbc.shared-databases.s3nas", shared.root())
        .withValue("pekko-persistence-jdbc.shared-databases.s3nas-read", shared.root());
  }

  @Override
  public String describe() {
    return "the PostgreSQL journal " + url + " (user " + user + ")";
  }

  @Override
  public String toString() {
    return "PostgresJournal[" + url + ", user " + user + "]"; // never the password
  }
}
