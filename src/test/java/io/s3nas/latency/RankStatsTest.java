package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RankStatsTest {
  @Test
  void spearmanOfMonotoneAndReversedAndTied() {
    assertEquals(1.0, RankStats.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 35, 90}), 1e-12);
    assertEquals(-1.0, RankStats.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
    // ties take the average rank: ranks a = 1.5 1.5 3, b = 1 2 3
    assertEquals(0.8660254, RankStats.spearman(new double[] {1, 1, 2}, new double[] {1, 2, 3}), 1e-6);
  }

  @Test
  void withinIsRelativeToTheMeasurement() {
    assertEquals(0.5, RankStats.within(new double[] {1.09, 1.2}, new double[] {1, 1}, 0.10), 1e-12);
  }
}
