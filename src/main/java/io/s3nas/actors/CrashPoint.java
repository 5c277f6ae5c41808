package io.s3nas.actors;

import java.util.Locale;

/**
 * Fault injection for the kill-and-resume tests and the restart benchmark. With the environment
 * variable {@code S3NAS_HALT_AFTER} naming a stage (e.g. {@code scaling}), the JVM halts — like
 * {@code kill -9}: no shutdown hooks, nothing flushed — when that stage's work is done and its
 * outputs written but its completion not yet persisted. That is the latest moment a crash can lose
 * a stage, and for the short stages (scaling, post-processing) the only one a test can hit on purpose.
 */
final class CrashPoint {
  static final String VARIABLE = "S3NAS_HALT_AFTER";

  private CrashPoint() {}

  static void afterWork(Stage stage) {
    String v = System.getenv(VARIABLE);
    if (v != null && v.strip().toUpperCase(Locale.ROOT).replace('-', '_').equals(stage.name())) {
      org.slf4j.LoggerFactory.getLogger(CrashPoint.class).warn("{}={}: halting the JVM", VARIABLE, v);
      Runtime.getRuntime().halt(137);
    }
  }
}
