package io.s3nas.nn.engine;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
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
 *
 * <p>{@link #forPieces} balances a region whose chunks take unequal time. Equal halves are not equal
 * work here: the caller's chunk is usually compiled inlined into the region's caller and a helper's
 * runs the separately compiled lambda, and in some JVMs a helper ran the BatchNorm backward's rows
 * 1.6–1.8 × slower than the caller; over twenty training steps of a derived network the caller waited
 * for its helper 6–11% of the time (docs/engine-measurements.md, "balancing the regions"). Only
 * regions whose result does not depend on which thread did which rows go by pieces: a per-thread
 * partial sum filled from different rows would change the float sums from run to run. Regions that
 * fill partial sums go by {@link #forSlices} instead: balanced the same way, with each fixed slice's
 * sums in a slot of its own.
 */
public final class Parallel {
  /** Body of a chunk: processes [from, to). */
  @FunctionalInterface
  public interface Chunk {
    void run(int chunk, int from, int to);
  }

  /**
   * Pieces per thread in a {@link #forPieces} region: enough that the faster thread can take over an
   * eighth of the slower one's part, few enough that a piece is still a stretch of rows.
   */
  private static final int PIECES = 8;
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
    signal.run(n, body, 0);
  }

  /**
   * Like {@link #forRange}, but each thread takes its contiguous part in pieces from the front and,
   * once done, takes the remaining pieces of the others' parts from their back: a thread that runs
   * faster does more, and each still streams through one contiguous stretch in most regions. The body
   * may be called several times with the same chunk index, on consecutive or separate ranges, so it
   * must do per-call work only (no per-chunk initialisation inside it); chunk {@code c} still runs on
   * one thread only, so per-chunk sums stay unshared.
   */
  public void forPieces(int n, Chunk body) {
    if (threads == 1) {
      body.run(0, 0, n);
      return;
    }
    signal.run(n, body, Math.max(1, n / (threads * PIECES)));
  }

  /**
   * Like {@link #forPieces}, but in pieces of one item: for a region of few items, each long (an
   * image through a whole block in evaluation). With eighths of a thread's part as pieces, 128 images
   * went in pieces of 8, and the thread that finished first waited for up to a piece at every block's
   * end (docs/engine-measurements.md, "2026-12-02 (midday)").
   */
  public void forItems(int n, Chunk body) {
    if (threads == 1) {
      body.run(0, 0, n);
      return;
    }
    signal.run(n, body, 1);
  }

  /**
   * Slices of a {@link #forSlices} region: enough that the thread that finishes first can take over
   * a sixteenth of the work from the other, few enough that each slice's partial sums are cheap to
   * keep and add up.
   */
  public static final int SLICES = 16;

  /** Body of a slice: processes [from, to) into partial-sum slot {@code slice}; runs on chunk {@code chunk}'s thread. */
  @FunctionalInterface
  public interface Slice {
    void run(int chunk, int slice, int from, int to);
  }

  /** Partial-sum buffers of {@code size} floats for every slice of a {@link #forSlices} region. */
  public static float[][] sliceSums(int size) {
    return new float[SLICES][size];
  }

  /** The slices a {@link #forSlices} region of n items has: {@value #SLICES}, or n when fewer, at least 1. */
  public static int slices(int n) {
    return Math.max(1, Math.min(n, SLICES));
  }

  /**
   * A loop over [0, n) whose chunks fill partial sums, balanced as {@link #forPieces} but with a
   * result that does not depend on which thread ran which rows: the range is cut into
   * {@link #slices}(n) fixed slices, slice q always [n·q/S, n·(q+1)/S), and its sums go to slot q
   * whichever thread runs it, to be added up in slot order. Per-thread sums over
   * {@link #forRange}'s halves left one thread waiting for the other at every such region's end: 11%
   * of the calling thread's samples over twenty training steps of a derived network (a depthwise
   * backward, the products' weight gradients; docs/engine-measurements.md, "2026-12-01 (afternoon)").
   * The sums are also the same at any thread count.
   */
  public void forSlices(int n, Slice body) {
    int count = slices(n);
    forPieces(count, (t, from, to) -> {
      for (int q = from; q < to; q++) {
        body.run(t, q, (int) ((long) n * q / count), (int) ((long) n * (q + 1) / count));
      }
    });
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
    /** Whether the region goes by pieces ({@link #forPieces}); published with body and n. */
    boolean pieces;
    /** Per chunk, what is left of its part: from in the low 32 bits, to in the high ones. */
    final AtomicLongArray left;
    int grain;
    volatile Throwable failure;
    /** Regions the caller is inside (guarded by this object's lock). */
    private int depth;

    Signal(int threads) {
      this.threads = threads;
      this.helpers = new Helper[threads - 1];
      this.left = new AtomicLongArray(threads);
    }

    /**
     * One region: chunk 0 here, the others on the helpers; returns when all are done. By pieces of
     * {@code grain} items ({@link #work}), or with grain 0 each thread its contiguous part.
     */
    void run(int count, Chunk chunk, int grain) {
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
          runShared(count, chunk, grain);
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

    private void runShared(int count, Chunk chunk, int pieceGrain) {
      boolean byPieces = pieceGrain > 0;
      body = chunk;
      n = count;
      pieces = byPieces;
      if (byPieces) {
        grain = pieceGrain;
        for (int c = 0; c < threads; c++) {
          left.set(c, range(start(count, c), start(count, c + 1)));
        }
      }
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
        if (byPieces) {
          work(0);
        } else {
          chunk.run(0, 0, start(count, 1));
        }
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

    /** Chunk c's pieces from the front of its part, then the others' from the back of theirs. */
    void work(int c) {
      Chunk b = body;
      int g = grain;
      for (int i = 0; i < threads; i++) {
        int v = (c + i) % threads;
        boolean own = i == 0;
        while (true) {
          long r = left.get(v);
          int from = (int) r;
          int to = (int) (r >>> 32);
          if (from >= to) {
            break;
          }
          int a = own ? from : Math.max(from, to - g);
          int e = own ? Math.min(to, from + g) : to;
          if (left.compareAndSet(v, r, own ? range(e, to) : range(from, a))) {
            b.run(c, a, e);
          }
        }
      }
    }

    int start(int count, int c) {
      return (int) ((long) count * c / threads);
    }

    private static long range(int from, int to) {
      return ((long) to << 32) | (from & 0xffffffffL);
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
          if (s.pieces) {
            s.work(chunk);
          } else {
            s.body.run(chunk, s.start(n, chunk), s.start(n, chunk + 1));
          }
        } catch (Throwable t) {
          s.failure = t;
        }
        s.pending.decrementAndGet();
      }
    }
  }
}
