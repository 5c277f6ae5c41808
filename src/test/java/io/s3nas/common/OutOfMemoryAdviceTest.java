package io.s3nas.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OutOfMemoryAdviceTest {
  @Test
  void aFullJavaHeapNamesTheHeapVariableAndItsSize() {
    String m = OutOfMemoryAdvice.message(new OutOfMemoryError("Java heap space"), 2048L << 20);
    assertTrue(m.contains("S3NAS_HEAP") && m.contains("2048 MiB") && m.contains("batch"), m);
    assertFalse(m.contains("S3NAS_OFFHEAP"), m);
  }

  @Test
  void javaCppLimitsNameTheOffHeapVariables() {
    String m = OutOfMemoryAdvice.message(new OutOfMemoryError(
        "Physical memory usage is too high: physicalBytes (6144M) > maxPhysicalBytes (6144M)"), 2048L << 20);
    assertTrue(m.contains("S3NAS_OFFHEAP") && m.contains("S3NAS_PHYSICAL"), m);
    assertFalse(m.contains("S3NAS_HEAP"), m);
  }
}
