package io.s3nas.latency.measured;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a measured latency table depends on: the CPU model and core count, the runtime (ND4J version
 * and backend with or without oneDNN, or ONNX Runtime's version), the thread count and the batch. Tables are cached per
 * fingerprint, so a table measured elsewhere or with other settings is never reused by mistake.
 */
public record MachineFingerprint(String cpu, int cores, String runtime, int threads, int batch) {

  public static MachineFingerprint current(Backend backend, int threads, int batch) {
    return new MachineFingerprint(detectCpu(), Runtime.getRuntime().availableProcessors(), backend.describe(), threads,
        batch);
  }

  public String describe() {
    return cpu + ", " + cores + " cores, " + runtime + ", " + threads
        + " threads, batch " + batch;
  }

  /** A short stable id for file names. */
  public String id() {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(describe().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String detectCpu() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall back to the JVM's view
    }
    return System.getProperty("os.arch", "unknown-cpu");
  }
}
