package io.s3nas.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
        Path tmp = Files.createTempFile(dir, "." + name, ".tmp", ownerOnly());
        Files.writeString(tmp, HexFormat.of().formatHex(b), StandardCharsets.US_ASCII);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          Files.deleteIfExists(tmp);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new InvalidInputException("--data-dir", null, "a folder this user can write (" + dir + "): "
          + e.getMessage());
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
