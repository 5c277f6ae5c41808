package io.s3nas.common;

/**
 * What to change after an OutOfMemoryError. The Java heap and ND4J's off-heap arrays (JavaCPP's
 * byte and physical-memory limits) both end in one; the launcher sets all three limits from
 * environment variables, so the advice names the variable that matches the message.
 */
public final class OutOfMemoryAdvice {
  private OutOfMemoryAdvice() {}

  public static String message(OutOfMemoryError oom, long maxHeapBytes) {
    String what = oom.getMessage() == null ? "" : oom.getMessage();
    boolean offHeap = what.contains("maxBytes") || what.contains("physicalBytes");
    String limits = offHeap
        ? "raise S3NAS_OFFHEAP and S3NAS_PHYSICAL (ND4J's off-heap arrays; e.g. S3NAS_OFFHEAP=6g S3NAS_PHYSICAL=12g)"
        : "raise S3NAS_HEAP (the Java heap, now " + (maxHeapBytes >> 20) + " MiB; e.g. S3NAS_HEAP=8g)";
    return "out of memory (" + what + "); " + limits + " or lower the batch size; scripts/s3nas reads these variables";
  }
}
