package io.s3nas.latency.measured;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timing at a time on this machine (docs/design.md, "Actors": the latency estimator owns the
 * device). Two processes that time networks on the same cores at once each measure the other's
 * load, and both tables come out wrong; searches run one per process, so the estimator's own
 * one-request-at-a-time rule cannot prevent it. Every {@link PassTimer} run therefore holds an
 * exclusive lock on one file that every s3nas process on the machine shares, whatever its home:
 * {@code s3nas-timing.lock} in the system's temporary folder, or the file the system property
 * {@code s3nas.timing-lock} names. A file lock belongs to the whole JVM, so threads of one process
 * queue on a lock of their own first; the operating system releases the file lock when a process
 * dies, so a killed search never blocks the next.
 */
public final class TimingLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TimingLock.class);
  private static final ReentrantLock IN_PROCESS = new ReentrantLock(true);
  private static FileChannel channel;
  private static FileLock fileLock;

  private TimingLock() {}

  /** The file every process on this machine locks. */
  public static Path file() {
    String named = System.getProperty("s3nas.timing-lock");
    return named != null && !named.isBlank() ? Path.of(named)
        : Path.of(System.getProperty("java.io.tmpdir"), "s3nas-timing.lock");
  }

  /** Waits until no other thread or process on this machine is timing, then holds the lock until closed. */
  public static TimingLock hold() {
    IN_PROCESS.lock();
    if (IN_PROCESS.getHoldCount() > 1) {
      return new TimingLock(); // nested in a timing this thread already holds
    }
    Path f = file();
    try {
      channel = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      // a temporary folder this process cannot write: time anyway, apart from other threads only
      LOG.warn("the timing lock {} cannot be opened ({}); timings of other processes may overlap", f, e.toString());
      return new TimingLock();
    }
    try {
      fileLock = channel.tryLock();
      if (fileLock == null) {
        LOG.info("waiting: another process is timing networks on this machine ({})", f);
        long t0 = System.nanoTime();
        fileLock = channel.lock();
        LOG.info("timing lock taken after {} s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
      }
      return new TimingLock();
    } catch (IOException e) {
      release();
      throw new UncheckedIOException("the timing lock " + f + " cannot be taken", e);
    } catch (RuntimeException | Error e) {
      release();
      throw e;
    }
  }

  @Override
  public void close() {
    release();
  }

  private static void release() {
    try {
      if (IN_PROCESS.getHoldCount() == 1) {
        if (fileLock != null) {
          fileLock.release();
        }
        if (channel != null) {
          channel.close();
        }
        fileLock = null;
        channel = null;
      }
    } catch (IOException e) {
      LOG.warn("releasing the timing lock: {}", e.toString());
      fileLock = null;
      channel = null;
    } finally {
      IN_PROCESS.unlock();
    }
  }
}
