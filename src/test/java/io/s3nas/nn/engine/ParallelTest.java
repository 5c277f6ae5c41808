package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The parallel loop: every chunk runs once per region, in its own slot, failures reach the caller. */
class ParallelTest {
  @Test
  void everyChunkRunsItsRangeOnceInEveryRegion() {
    Parallel par = new Parallel(3);
    int[] hits = new int[1000];
    int[] owner = new int[1000];
    for (int region = 0; region < 2000; region++) { // many short regions: the helpers spin, park and wake
      par.forRange(1000, (c, from, to) -> {
        for (int i = from; i < to; i++) {
          hits[i]++;
          owner[i] = c;
        }
      });
    }
    for (int c = 0; c < 3; c++) {
      for (int i = 1000 * c / 3; i < 1000 * (c + 1) / 3; i++) {
        assertEquals(2000, hits[i]);
        assertEquals(c, owner[i], "contiguous chunks [n·c/t, n·(c+1)/t), chunk c at slot c");
      }
    }
  }

  @Test
  void aRegionInsideARegionRunsItsChunksInTurnAndFailuresReachTheCaller() {
    Parallel par = new Parallel(2);
    AtomicInteger inner = new AtomicInteger();
    par.forRange(4, (c, from, to) -> par.forRange(10, (c2, f2, t2) -> inner.addAndGet(t2 - f2)));
    assertEquals(20, inner.get());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> par.forRange(2, (c, from, to) -> {
      if (c == 1) {
        throw new IllegalStateException("chunk 1");
      }
    }));
    assertEquals("chunk 1", e.getMessage());
    float[] after = new float[8];
    par.forRange(8, (c, from, to) -> java.util.Arrays.fill(after, from, to, 1f)); // still works after a failure
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, after);
  }
}
