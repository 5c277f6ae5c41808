package io.s3nas.nn.engine;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a loop over [0, n) into exactly {@code threads} contiguous chunks (possibly empty): the
 * calling thread runs chunk 0, each of {@code threads − 1} helper threads of its own one of the
 * others. Chunks are contiguous so each thread streams through its own part of an NHWC tensor; chunk
 * {@code c} owns partial-sum slot {@code c}.
 *
 * <p>Why not a fork/join pool: a training step runs hundreds of parallel regions, many of them tens
 * of microseconds long (a late stage's 4×4 maps). Handing each one to a pool cost two thread wake-ups
 * (the caller's to a worker, that worker's to the other), and a worker that woke late found its chunk
 * already taken by the first: a JFR profile of final-network training showed the two workers at 1052
 * and 886 samples, and two threads trained only 1.60 × as fast as one (docs/engine-measurements.md).
 * Here the caller works too, and a helper spins briefly between regions (as OpenMP's active wait does)
 * before it parks, so the next region usually finds it awake. Helpers are daemons, and exit once the
 * {@code Parallel} that owns them is garbage (a {@link Cleaner} closes their signal).
 */
public final class Parallel {
  /** Body of a chunk: processes [from, to). */
  @FunctionalInterface
  public interface Chunk {
    void run(int chunk, int from, int to);
  }

  /** Spins a helper makes for new work before it parks: some tens of microseconds. */
  private static final int SPINS = 20_000;
  private static final Cleaner CLEANER = Cleaner.create();

  private final int threads;
  private final Signal signal;

  public Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads >= 1");
    }
    this.threads = threads;
    this.signal = threads == 1 ? null : new Signal(threads);
    if (signal != null) {
      Signal s = signal; // the cleaning action must not reach this object
      CLEANER.register(this, s::close);
      for (int c = 1; c < threads; c++) {
        s.helpers[c - 1] = new Helper(s, c);
        s.helpers[c - 1].start();
      }
    }
  }

  public int threads() {
    return threads;
  }

  public void forRange(int n, Chunk body) {
    if (threads == 1) {
      body.run(0, 0, n);
      return;
    }
    signal.run(n, body);
  }

  /** What the caller and its helpers share; it holds no reference to the {@code Parallel}. */
  private static final class Signal {
    final int threads;
    final Helper[] helpers;
    final AtomicInteger pending = new AtomicInteger();
    /** Incremented by the caller for each region; written after {@code body} and {@code n}. */
    volatile long epoch;
    volatile boolean closed;
    Chunk body;
    int n;
    volatile Throwable failure;
    /** Regions the caller is inside (guarded by this object's lock). */
    private int depth;

    Signal(int threads) {
      this.threads = threads;
      this.helpers = new Helper[threads - 1];
    }

    /** One region: chunk 0 here, the others on the helpers; returns when all are done. */
    void run(int count, Chunk chunk) {
      // a region inside a region (the helpers are busy with the outer one): its chunks in turn, here;
      // a helper must not wait for the lock the caller holds while it waits for the helper
      if (Thread.currentThread() instanceof Helper) {
        inTurn(count, chunk);
        return;
      }
      synchronized (this) {
        if (depth > 0) {
          inTurn(count, chunk);
          return;
        }
        depth++;
        try {
          runShared(count, chunk);
        } finally {
          depth--;
        }
      }
    }

    private void inTurn(int count, Chunk chunk) {
      for (int c = 0; c < threads; c++) {
        chunk.run(c, (int) ((long) count * c / threads), (int) ((long) count * (c + 1) / threads));
      }
    }

    private void runShared(int count, Chunk chunk) {
      body = chunk;
      n = count;
      failure = null;
      pending.set(threads - 1);
      epoch++; // publishes body and n
      for (Helper h : helpers) {
        if (h.parked) {
          LockSupport.unpark(h);
        }
      }
      Throwable mine = null;
      try {
        chunk.run(0, 0, (int) ((long) count / threads));
      } catch (Throwable t) {
        mine = t;
      }
      while (pending.get() != 0) {
        Thread.onSpinWait();
      }
      body = null; // keep no reference to the caller's arrays between regions
      Throwable t = mine != null ? mine : failure;
      if (t instanceof RuntimeException r) {
        throw r;
      } else if (t instanceof Error e) {
        throw e;
      } else if (t != null) {
        throw new IllegalStateException(t);
      }
    }

    void close() {
      closed = true;
      for (Helper h : helpers) {
        if (h != null) {
          LockSupport.unpark(h);
        }
      }
    }
  }

  /** Runs chunk {@code chunk} of every region, spinning then parking between regions. */
  private static final class Helper extends Thread {
    private final Signal s;
    private final int chunk;
    /** The epoch when it was made: a region published before the thread runs is still its to do. */
    private final long start;
    volatile boolean parked;

    Helper(Signal s, int chunk) {
      super("s3nas-parallel-" + chunk);
      setDaemon(true);
      this.s = s;
      this.chunk = chunk;
      this.start = s.epoch;
    }

    @Override
    public void run() {
      long seen = start;
      while (true) {
        int spins = 0;
        while (s.epoch == seen) {
          if (s.closed) {
            return;
          }
          if (spins++ < SPINS) {
            Thread.onSpinWait();
            continue;
          }
          parked = true;
          if (s.epoch == seen && !s.closed) { // the caller unparks a helper it sees parked
            LockSupport.parkNanos(this, 1_000_000_000L);
          }
          parked = false;
        }
        seen = s.epoch;
        int n = s.n;
        try {
          s.body.run(chunk, (int) ((long) n * chunk / s.threads), (int) ((long) n * (chunk + 1) / s.threads));
        } catch (Throwable t) {
          s.failure = t;
        }
        s.pending.decrementAndGet();
      }
    }
  }
}
