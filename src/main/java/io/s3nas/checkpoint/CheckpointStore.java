package io.s3nas.checkpoint;

import io.s3nas.common.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Content-addressed checkpoint files: {@code <dir>/<sha256>.ckpt}. A checkpoint is written to a
 * temporary file, forced to disk, then renamed into place (atomic on POSIX), so its name is a
 * promise of its content: a reader verifies the hash and a crash leaves either nothing or the whole
 * file. {@code <run>.latest} names a run's newest checkpoint and is replaced the same way.
 */
public final class CheckpointStore {
  private final Path dir;

  public CheckpointStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Stores the bytes (once: the same content is the same file) and returns their reference. */
  public String put(byte[] data) {
    String ref = sha256(data);
    Path file = dir.resolve(ref + ".ckpt");
    if (!Files.exists(file)) {
      writeAtomically(file, data);
    }
    return ref;
  }

  /** The bytes of a reference, verified against it. */
  public byte[] get(String ref) {
    Path file = dir.resolve(ref + ".ckpt");
    try {
      byte[] data = Files.readAllBytes(file);
      if (!sha256(data).equals(ref)) {
        throw new IllegalStateException("checkpoint " + file + " is damaged: its content does not match its name");
      }
      return data;
    } catch (NoSuchFileException e) {
      throw new IllegalStateException("checkpoint " + file + " is missing");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean contains(String ref) {
    return Files.exists(dir.resolve(ref + ".ckpt"));
  }

  /** Records {@code ref} as the newest checkpoint of {@code run}. */
  public void pointTo(String run, String ref) {
    writeAtomically(dir.resolve(run + ".latest"), ref.getBytes(StandardCharsets.US_ASCII));
  }

  public Optional<String> latest(String run) {
    Path p = dir.resolve(run + ".latest");
    try {
      return Files.exists(p) ? Optional.of(Files.readString(p, StandardCharsets.US_ASCII).strip()) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeAtomically(Path file, byte[] data) {
    try {
      AtomicFiles.write(file, data);
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
