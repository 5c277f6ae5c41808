package io.s3nas.actors;

import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One process runs a search at a time: {@code <data-dir>/locks/<id>.lock}, locked by the operating
 * system for as long as the process runs it (released when it exits, {@code kill -9} included) and
 * naming the process. A second {@code search} or {@code resume} of the same id is refused with that
 * name instead of training beside the first into the same checkpoints.
 */
public final class SearchLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private SearchLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock of search {@code id}, or refuses naming the process that holds it. */
  public static SearchLock acquire(Path dataDir, String id) {
    Path file = dataDir.resolve("locks").resolve(id + ".lock");
    FileChannel ch = null;
    try {
      Files.createDirectories(file.getParent());
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException sameJvm) {
        l = null;
      }
      if (l == null) {
        String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
        ch.close();
        throw new InvalidInputException("--id", null, "a search no other process runs: '" + id + "' is run by "
            + (holder.isEmpty() ? "another process" : holder) + " (" + file + "); wait for it, or pause it with "
            + "`s3nas pause " + id + "`");
      }
      String me = "process " + ManagementFactory.getRuntimeMXBean().getName() + " since " + Instant.now();
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
      ch.force(true);
      return new SearchLock(ch, l);
    } catch (IOException e) {
      try {
        if (ch != null) {
          ch.close();
        }
      } catch (IOException ignored) {
        // the original failure is what matters
      }
      throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
