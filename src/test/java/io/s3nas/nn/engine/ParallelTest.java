package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The parallel loop: every chunk runs once per region, in its own slot, failures reach the caller; by
 * pieces, every index once, each chunk on one thread, the faster thread taking over the slower's work;
 * by slices, every index once in the slice its position alone decides, whatever thread ran it.
 */
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

  @Test
  void piecesCoverTheRangeOnceAndTheFasterThreadTakesOverTheSlowerOnesWork() {
    Parallel par = new Parallel(2);
    int n = 160;
    for (int region = 0; region < 200; region++) {
      int[] hits = new int[n];
      Thread[] ran = new Thread[2];
      int[] done = new int[2];
      par.forPieces(n, (c, from, to) -> {
        if (ran[c] == null) {
          ran[c] = Thread.currentThread();
        }
        assertEquals(ran[c], Thread.currentThread(), "chunk " + c + " stays on one thread");
        for (int i = from; i < to; i++) {
          hits[i]++;
        }
        done[c] += to - from;
      });
      for (int i = 0; i < n; i++) {
        assertEquals(1, hits[i], "index " + i + " in region " + region);
      }
      assertEquals(n, done[0] + done[1]);
    }
    // chunk 1 sleeps in each of its pieces: chunk 0 finishes its own half and takes most of the other
    int[] done = new int[2];
    par.forPieces(n, (c, from, to) -> {
      if (c == 1) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      done[c] += to - from;
    });
    assertEquals(n, done[0] + done[1]);
    assertTrue(done[0] > n / 2, "the caller ran " + done[0] + " of " + n);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> par.forPieces(n, (c, from, to) -> {
      if (from >= n / 2) {
        throw new IllegalStateException("second half");
      }
    }));
    assertEquals("second half", e.getMessage());
  }

  @Test
  void itemsGoOneACallAndAThreadThatFinishesTakesTheOthersRemainingItems() {
    Parallel par = new Parallel(2);
    int n = 16;
    int[] hits = new int[n];
    int[] done = new int[2];
    par.forItems(n, (c, from, to) -> {
      assertEquals(from + 1, to, "one item a call");
      hits[from]++;
      done[c]++;
      if (c == 1 && done[1] == 1) { // chunk 1's first item is slow: chunk 0 takes all the rest (or all, if
        // the helper has not woken before the caller got to its part)
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    for (int i = 0; i < n; i++) {
      assertEquals(1, hits[i], "item " + i);
    }
    assertTrue(done[1] <= 1, "the slow chunk ran " + done[1] + " items, the caller " + done[0]);
  }

  @Test
  void slicesCoverTheRangeOnceEachIndexInTheSameSliceAtAnyThreadCount() {
    for (int threads : new int[] {1, 2, 3}) {
      Parallel par = new Parallel(threads);
      for (int n : new int[] {1, 5, 16, 17, 1000}) {
        int slices = Parallel.slices(n);
        assertEquals(Math.min(n, Parallel.SLICES), slices);
        for (int region = 0; region < 50; region++) {
          int[] hits = new int[n];
          int[] slot = new int[n];
          int[] runs = new int[slices];
          par.forSlices(n, (c, q, from, to) -> {
            runs[q]++;
            for (int i = from; i < to; i++) {
              hits[i]++;
              slot[i] = q;
            }
          });
          for (int q = 0; q < slices; q++) {
            assertEquals(1, runs[q], "slice " + q + " runs once, n " + n + ", " + threads + " threads");
            for (int i = n * q / slices; i < n * (q + 1) / slices; i++) {
              assertEquals(1, hits[i]);
              assertEquals(q, slot[i], "index " + i + " of " + n + " in slice [n·q/S, n·(q+1)/S)");
            }
          }
        }
      }
    }
  }
}
