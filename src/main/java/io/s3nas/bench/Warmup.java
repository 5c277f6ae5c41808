package io.s3nas.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Untimed steps until the JIT has finished with the code under measurement: a fixed count of
 * warm-up steps measured the compiler instead of the engine whenever the step count or the thread
 * count changed the time the compilers needed.
 *
 * <p>Why it matters: C2 compiles on threads of its own, about 5.6 CPU s for a supernet training
 * step's kernels. On one worker thread that work runs on the idle second core, free; on two it takes
 * time from both workers. Step by step on 2 cores (the search phase, docs/engine-measurements.md,
 * "2026-12-01 (later)"): 689, 595, 526, 484, 447 … ms while the compilers ran, ~325 ms once they
 * stopped after about a dozen steps, while one thread ran ~620 ms from the second step on. After a
 * fixed 4–8 steps, two threads measured 1.46–1.74 × one; in steady state 1.8–1.9 ×.
 *
 * <p>The rule: at least {@code min} steps, then until a window of steps lasting at least
 * {@value #WINDOW_NS} ns (and two steps) saw the compilers busy for at most {@value #QUIET_PERCENT}% of
 * it, or {@code max} steps. Compilation time comes from {@link CompilationMXBean}, summed over the
 * compiler threads, in milliseconds.
 */
final class Warmup {
  /** The shortest window judged, so a millisecond's compile in a 1-ms step is not all or nothing. */
  static final long WINDOW_NS = 500_000_000L;
  static final int QUIET_PERCENT = 1;

  /** What a warm-up did: steps run, and the compilers' milliseconds during them. */
  record Result(int steps, long jitMs) {}

  private Warmup() {}

  /** Runs {@code step} (given its index from 0) until the JIT is quiet, between min and max times. */
  static Result untilQuiet(int min, int max, java.util.function.IntConsumer step) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean measurable = jit != null && jit.isCompilationTimeMonitoringSupported();
    long jitStart = measurable ? jit.getTotalCompilationTime() : 0;
    long windowStart = System.nanoTime();
    long windowJit = jitStart;
    int windowSteps = 0;
    int s = 0;
    while (s < max) {
      step.accept(s++);
      windowSteps++;
      long now = System.nanoTime();
      if (!measurable) {
        if (s >= min) {
          break;
        }
        continue;
      }
      long elapsed = now - windowStart;
      if (windowSteps >= 2 && elapsed >= WINDOW_NS) {
        long busyMs = jit.getTotalCompilationTime() - windowJit;
        if (s >= min && busyMs * 1_000_000L * 100 <= QUIET_PERCENT * elapsed) {
          break;
        }
        windowStart = now;
        windowJit = jit.getTotalCompilationTime();
        windowSteps = 0;
      }
    }
    return new Result(s, measurable ? jit.getTotalCompilationTime() - jitStart : -1);
  }
}
