package io.s3nas.latency.measured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two timings never overlap on one machine: not two threads, not two processes; a killed holder frees it. */
class TimingLockTest {
  @TempDir Path tmp;
  private String before;

  /** A process that takes the lock named by its argument, says so, and holds it until killed. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      System.setProperty("s3nas.timing-lock", args[0]);
      try (TimingLock held = TimingLock.hold()) {
        System.out.println("held");
        System.out.flush();
        Thread.sleep(120_000);
      }
    }
  }

  @BeforeEach
  void ownLockFile() {
    before = System.getProperty("s3nas.timing-lock");
    System.setProperty("s3nas.timing-lock", tmp.resolve("timing.lock").toString());
  }

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty("s3nas.timing-lock");
    } else {
      System.setProperty("s3nas.timing-lock", before);
    }
  }

  @Test
  void twoThreadsTimeOneAfterTheOther() throws Exception {
    PassTimer timer = new PassTimer(1, 0, 20, 1, 0.2, 0);
    List<long[]> spans = Collections.synchronizedList(new ArrayList<>());
    Runnable run = () -> {
      long[] span = {Long.MAX_VALUE, 0};
      Runnable pass = () -> {
        long t = System.nanoTime();
        span[0] = Math.min(span[0], t);
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        span[1] = Math.max(span[1], System.nanoTime());
      };
      timer.timeAll(List.of(pass), i -> {});
      spans.add(span);
    };
    Thread a = new Thread(run);
    Thread b = new Thread(run);
    a.start();
    b.start();
    a.join();
    b.join();
    assertEquals(2, spans.size());
    long[] x = spans.get(0);
    long[] y = spans.get(1);
    assertTrue(x[1] < y[0] || y[1] < x[0], "the two timings overlapped");
  }

  @Test
  void anotherProcessHoldingTheLockMakesTimingWaitUntilItDies() throws Exception {
    Path lock = tmp.resolve("timing.lock");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        Holder.class.getName(), lock.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals("held")) {
        // the child's log lines
      }
      assertEquals("held", line, "the holder process never took the lock");
      CountDownLatch timed = new CountDownLatch(1);
      Thread t = new Thread(() -> {
        new PassTimer(1, 0, 1, 1, 0.2, 0).time(() -> {});
        timed.countDown();
      });
      t.start();
      assertFalse(timed.await(1500, TimeUnit.MILLISECONDS), "timed while another process held the lock");
      holder.destroyForcibly().waitFor();
      assertTrue(timed.await(10, TimeUnit.SECONDS), "the lock of a killed process was not freed");
      t.join();
    } finally {
      holder.destroyForcibly();
    }
  }
}
