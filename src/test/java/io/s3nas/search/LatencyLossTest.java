package io.s3nas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LatencyLossTest {
  @Test
  void hingeIsZeroAtOrBelowTargetAndLogarithmicAbove() {
    LatencyLoss l = LatencyLoss.paperDefaults(5.0);
    assertEquals(0, l.value(4.0));
    assertEquals(0, l.value(5.0));
    assertEquals(0, l.gradient(4.9));
    assertEquals(15 * Math.log(1 + 100 * 0.5), l.value(5.5), 1e-12);
    assertEquals(1500, l.gradient(5.0 + 1e-9), 1e-3);
    for (double x : new double[] {5.01, 5.3, 7.0}) {
      double h = 1e-7;
      assertEquals((l.value(x + h) - l.value(x - h)) / (2 * h), l.gradient(x), 1e-3);
    }
  }
}
