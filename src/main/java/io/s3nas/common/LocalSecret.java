package io.s3nas.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A random secret kept in a file only its owner may read, made on first use: the journal's password
 * and the HTTP API's token of a data folder. The folder itself is made {@code 0700}.
 */
public final class LocalSecret {
  private LocalSecret() {}

  /** The secret in {@code dir/name} (32 random bytes, hex), created {@code 0600} when missing. */
  public static synchronized String of(Path dir, String name) {
    Path file = dir.resolve(name);
    try {
      privateDirectory(dir);
      if (!Files.exists(file)) {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        publish(dir, name, HexFormat.of().formatHex(b));
      }
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new InvalidInputException("--data-dir", null, "a folder this user can write (" + dir + "): "
          + e.getMessage());
    }
  }

  /**
   * Puts {@code secret} in {@code dir/name} unless a file is there already, whole or not at all. Other
   * processes may race for it (a cluster's nodes sharing one data folder start together): a finished
   * temporary file is hard-linked to the name, which fails where the name exists, so the first secret
   * stays. A rename would replace it, and a node that had already read the first one would refuse
   * every client reading the second (a cluster test's intermittent 403).
   */
  static void publish(Path dir, String name, String secret) throws IOException {
    Path tmp = Files.createTempFile(dir, "." + name, ".tmp", ownerOnly());
    try {
      Files.writeString(tmp, secret, StandardCharsets.US_ASCII);
      try {
        Files.createLink(dir.resolve(name), tmp);
      } catch (UnsupportedOperationException noLinks) { // a file system without hard links: no replacing either
        Files.move(tmp, dir.resolve(name));
      }
    } catch (java.nio.file.FileAlreadyExistsException raced) {
      // another process published first: its secret stays
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Creates {@code dir} (or tightens it) to {@code 0700}, so other users cannot reach its files. */
  public static void privateDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    if (posix()) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  private static FileAttribute<?>[] ownerOnly() {
    return posix() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rw-------"))} : new FileAttribute<?>[0];
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }
}
