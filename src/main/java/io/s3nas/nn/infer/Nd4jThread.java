package io.s3nas.nn.infer;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one thread this process runs its timed ND4J work on (docs/latency.md, "One ND4J thread").
 * ND4J's native ops parallelise with OpenMP, whose worker team belongs to the Java thread that calls
 * in and spins between the tiny ops of a batch-1 network. Measured on this machine (2 cores, ND4J
 * 1.0.0-M2.1): while one Java thread has called ND4J, a quickstart network timed 2.3 ms; once a
 * second Java thread had run ND4J ops, every op of every thread ran about 5.7 times slower from then
 * on (14 ms; also from the start with {@code OMP_WAIT_POLICY=passive}). A search runs its stages on
 * a pool of threads, so its timings fell into the slow state halfway (drift 1.0 → 5–6 in
 * post-processing). Running all timed ND4J work on this thread keeps every measurement of the
 * process, the table's included, in the same fast state.
 */
public final class Nd4jThread {
  private static volatile Thread thread;
  private static final ExecutorService ONE = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "s3nas-nd4j");
    t.setDaemon(true); // never keeps a finished process alive
    thread = t;
    return t;
  });

  private Nd4jThread() {}

  /** Runs {@code work} on the ND4J thread and waits for it (directly, when already on it). */
  public static <T> T call(Callable<T> work) {
    if (Thread.currentThread() == thread) {
      return callHere(work);
    }
    Future<T> f = ONE.submit(work);
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the ND4J thread", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c.getMessage(), c);
    }
  }

  private static <T> T callHere(Callable<T> work) {
    try {
      return work.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
