package io.s3nas.actors;

import com.typesafe.config.Config;
import io.s3nas.common.InvalidInputException;
import java.nio.file.Path;

/**
 * Where a search's events live (docs/design.md, "Journal"): the embedded H2 file under the data
 * folder, the single-machine default, or a PostgreSQL database that several processes and machines
 * share. Both go through pekko-persistence-jdbc with the same tables; only the profile, the driver
 * and the way the schema is created differ. Every command that reads or writes the journal takes
 * the same choice ({@code --journal URL}, or the environment's {@code S3NAS_JOURNAL_URL}).
 */
public sealed interface Journal permits Journal.Embedded, PostgresJournal {

  /** Creates the tables when missing; safe on every start and from several processes at once. */
  void createSchema();

  /** Persistence settings to layer over {@code application.conf}. */
  Config config();

  /** Where it is, for messages (never a password). */
  String describe();

  /** The embedded H2 file under {@code dataDir}. */
  record Embedded(Path dataDir) implements Journal {
    @Override
    public void createSchema() {
      EmbeddedJournal.createSchema(dataDir);
    }

    @Override
    public Config config() {
      return EmbeddedJournal.config(dataDir);
    }

    @Override
    public String describe() {
      return "the embedded journal in " + dataDir.resolve("journal");
    }
  }

  /**
   * The journal a command's options name: {@code url} null or blank for the embedded one under
   * {@code dataDir}, a {@code jdbc:postgresql://} URL for PostgreSQL (user and password given
   * apart, never in the URL: a URL shows in process lists and logs).
   */
  static Journal of(Path dataDir, String url, String user, String password) {
    if (url == null || url.isBlank()) {
      return new Embedded(dataDir);
    }
    return PostgresJournal.of(url, user, password);
  }

  /** {@link #of} with the URL, user and password file from the environment ({@code S3NAS_JOURNAL_*}). */
  static Journal fromEnvironment(Path dataDir, String url, String user, Path passwordFile) {
    String u = url != null ? url : System.getenv("S3NAS_JOURNAL_URL");
    if (u == null || u.isBlank()) {
      return new Embedded(dataDir);
    }
    String who = user != null ? user : System.getenv().getOrDefault("S3NAS_JOURNAL_USER", "s3nas");
    Path pf = passwordFile != null ? passwordFile
        : System.getenv("S3NAS_JOURNAL_PASSWORD_FILE") != null ? Path.of(System.getenv("S3NAS_JOURNAL_PASSWORD_FILE"))
        : null;
    String password;
    if (pf == null) {
      password = System.getenv().getOrDefault("S3NAS_JOURNAL_PASSWORD", "");
    } else {
      try {
        password = java.nio.file.Files.readString(pf).strip();
      } catch (java.io.IOException e) {
        throw new InvalidInputException(pf.toString(), null, "a readable file holding the journal's "
            + "password (" + e.getMessage() + ")");
      }
    }
    return of(dataDir, u, who, password);
  }
}
