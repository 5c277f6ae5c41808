package io.s3nas.nn.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits a loop over [0, n) into exactly {@code threads} contiguous chunks (possibly empty) run on a
 * dedicated pool (the common pool has only cores−1 workers). Chunks are contiguous so each thread
 * streams through its own part of an NHWC tensor; chunk {@code c} owns partial-sum slot {@code c}.
 */
public final class Parallel {
  /** Body of a chunk: processes [from, to). */
  @FunctionalInterface
  public interface Chunk {
    void run(int chunk, int from, int to);
  }

  private final int threads;
  private final ForkJoinPool pool;

  public Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads >= 1");
    }
    this.threads = threads;
    this.pool = threads == 1 ? null : new ForkJoinPool(threads);
  }

  public int threads() {
    return threads;
  }

  public void forRange(int n, Chunk body) {
    if (threads == 1) {
      body.run(0, 0, n);
      return;
    }
    // always exactly `threads` chunks (some may be empty): callers reduce per-chunk partials over all
    // of them, so every chunk must run and reset its own partial
    pool.invoke(new RecursiveAction() {
      @Override
      protected void compute() {
        RecursiveAction[] parts = new RecursiveAction[threads];
        for (int t = 0; t < threads; t++) {
          final int c = t;
          final int from = (int) ((long) n * t / threads);
          final int to = (int) ((long) n * (t + 1) / threads);
          parts[t] = new RecursiveAction() {
            @Override
            protected void compute() {
              body.run(c, from, to);
            }
          };
        }
        invokeAll(parts);
      }
    });
  }
}
