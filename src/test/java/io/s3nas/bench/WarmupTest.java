package io.s3nas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' warm-up runs at least the steps asked and never more than its cap, and stops once
 * a half-second window of steps saw the compilers (nearly) idle.
 */
class WarmupTest {
  @Test
  void runsAtLeastTheMinimumAndAtMostTheCap() {
    AtomicInteger calls = new AtomicInteger();
    // steps too short to fill a judged window: only the cap ends it
    Warmup.Result r = Warmup.untilQuiet(3, 7, i -> calls.incrementAndGet());
    assertEquals(7, r.steps());
    assertEquals(7, calls.get());

    calls.set(0);
    r = Warmup.untilQuiet(5, 5, i -> calls.incrementAndGet());
    assertEquals(5, r.steps());
  }

  @Test
  void stopsOnceAWindowOfStepsLeftTheCompilersIdle() {
    // 120-ms steps that compile nothing: the first judged window (5 steps, 0.6 s) is quiet unless
    // the JVM is still compiling the test harness, so it ends well before the cap
    Warmup.Result r = Warmup.untilQuiet(2, 60, i -> sleep(120));
    assertTrue(r.steps() >= 5, "a window lasts at least half a second: " + r.steps());
    assertTrue(r.steps() < 60, "stopped once quiet: " + r.steps());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
