package io.s3nas.actors;

import io.s3nas.actors.SearchSupervisor.CostIncurred;
import java.lang.management.ManagementFactory;

/**
 * The supervisor's running measure of the stage it is running now, in this process: wall and CPU
 * time since the last {@link CostIncurred} it made, and the training steps covered since then
 * (from the checkpoint the stage started at to the last step its worker reported). Not persisted:
 * what it has not yet written when the process dies is the at most {@code cost-record-seconds} a
 * crash leaves unaccounted.
 *
 * <p>CPU time is the whole process's ({@code getProcessCpuTime}): exact for one search per process,
 * an upper bound for each of several searches sharing a node.
 */
final class CostMeter {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private Stage stage;
  private long wallNanos;
  private long cpuNanos;
  private long fromStep;
  private long step;

  /** CPU seconds this process has used so far. */
  static double processCpuSeconds() {
    return OS.getProcessCpuTime() / 1e9;
  }

  /** Whether it measures {@code s} now. */
  boolean measures(Stage s) {
    return stage == s;
  }

  /** Starts measuring {@code s}, whose work resumes from step {@code checkpointStep}. */
  void start(Stage s, long checkpointStep) {
    stage = s;
    wallNanos = System.nanoTime();
    cpuNanos = OS.getProcessCpuTime();
    fromStep = checkpointStep;
    step = checkpointStep;
  }

  void stop() {
    stage = null;
  }

  /** A step the stage's worker reported. */
  void reached(Stage s, long st) {
    if (s == stage) {
      step = Math.max(step, st);
    }
  }

  /** The cost since the last one taken (null when not measuring), and the next stretch starts now. */
  CostIncurred take() {
    if (stage == null) {
      return null;
    }
    long now = System.nanoTime();
    long cpu = OS.getProcessCpuTime();
    CostIncurred e = new CostIncurred(stage, (now - wallNanos) / 1e9, Math.max(0, cpu - cpuNanos) / 1e9, fromStep, step,
        System.currentTimeMillis());
    wallNanos = now;
    cpuNanos = cpu;
    fromStep = step;
    return e;
  }
}
