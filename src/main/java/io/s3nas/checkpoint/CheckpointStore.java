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
 * file. {@code <run>.latest} names a run's checkpoints, newest last (one reference per line), and is
 * replaced the same way; a reader falls back to an older one when the newest is damaged.
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
    pointTo(run, ref, Integer.MAX_VALUE);
  }

  /**
   * Records {@code ref} as the newest checkpoint of {@code run}, keeping the {@code keep} newest in its
   * history and deleting the files of the older ones (a file another run's history names stays).
   */
  public synchronized void pointTo(String run, String ref, int keep) {
    java.util.List<String> h = new java.util.ArrayList<>(history(run));
    java.util.Collections.reverse(h); // oldest first
    h.remove(ref);
    h.add(ref);
    java.util.List<String> dropped = h.size() > keep ? new java.util.ArrayList<>(h.subList(0, h.size() - keep))
        : java.util.List.of();
    java.util.List<String> kept = h.subList(h.size() - Math.min(keep, h.size()), h.size());
    writeAtomically(dir.resolve(run + ".latest"), (String.join("\n", kept) + "\n").getBytes(StandardCharsets.US_ASCII));
    for (String old : dropped) {
      if (!namedElsewhere(run, old)) {
        try {
          Files.deleteIfExists(dir.resolve(old + ".ckpt"));
        } catch (IOException e) {
          // an undeleted old checkpoint costs disk, not correctness
        }
      }
    }
  }

  private boolean namedElsewhere(String run, String ref) {
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(x -> x.getFileName().toString().endsWith(".latest")).toList()) {
        if (!f.getFileName().toString().equals(run + ".latest")
            && Files.readString(f, StandardCharsets.US_ASCII).contains(ref)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** A run's checkpoints, newest first (empty when it has none). */
  public java.util.List<String> history(String run) {
    Path p = dir.resolve(run + ".latest");
    try {
      if (!Files.exists(p)) {
        return java.util.List.of();
      }
      java.util.List<String> refs = new java.util.ArrayList<>(Files.readString(p, StandardCharsets.US_ASCII).lines()
          .map(String::strip).filter(x -> !x.isEmpty()).toList());
      java.util.Collections.reverse(refs);
      return refs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The newest checkpoint a run recorded (whether its file is intact is the reader's check). */
  public Optional<String> latest(String run) {
    return history(run).stream().findFirst();
  }

  /** The newest checkpoint a run recorded, read (empty when the run has none or its file is gone). */
  public Optional<TensorArchive> latestArchive(String run) {
    return latest(run).filter(this::contains).map(ref -> TensorArchive.fromBytes(get(ref), ref));
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
