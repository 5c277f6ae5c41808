package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL server for a test class, started by the project's own {@code cluster/postgres} on a
 * free loopback port in a fresh folder, stopped and deleted by {@link #stop}. Tests that need one
 * are skipped, with the reason, where Debian's {@code postgresql} is not installed (.ci/run installs it).
 */
final class LocalPostgres {
  final Path home;
  final int port;
  final String url;
  final Path passwordFile;

  private LocalPostgres(Path home, int port) {
    this.home = home;
    this.port = port;
    this.url = "jdbc:postgresql://127.0.0.1:" + port + "/s3nas";
    this.passwordFile = home.resolve("pg.password");
  }

  static LocalPostgres start() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/lib/postgresql")),
        "PostgreSQL is not installed (Debian: apt-get install postgresql)");
    Path home = Files.createTempDirectory("s3nas-pg");
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x")); // the postgres user enters it
    int port = NodeCommandTest.freePort(); // below the ephemeral range, as the nodes' ports
    Process p = new ProcessBuilder("cluster/postgres", "start", home.resolve("pg").toString(), String.valueOf(port))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "cluster/postgres start: " + out);
    LocalPostgres pg = new LocalPostgres(home, port);
    assertTrue(out.contains("S3NAS_JOURNAL_URL=" + pg.url), out);
    return pg;
  }

  String password() throws java.io.IOException {
    return Files.readString(passwordFile).strip();
  }

  void stop() throws Exception {
    new ProcessBuilder("cluster/postgres", "stop", home.resolve("pg").toString()).inheritIO().start()
        .waitFor(60, TimeUnit.SECONDS);
    try (var files = Files.walk(home)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
