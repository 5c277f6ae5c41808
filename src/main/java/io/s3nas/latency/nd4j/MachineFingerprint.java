package io.s3nas.latency.nd4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a measured latency table depends on: the CPU model and core count, the ND4J version and
 * backend (with or without oneDNN), the thread count and the batch. Tables are cached per
 * fingerprint, so a table measured elsewhere or with other settings is never reused by mistake.
 */
public record MachineFingerprint(String cpu, int cores, String nd4jVersion, String backend, int threads, int batch) {

  public static final String ND4J_VERSION = "1.0.0-M2.1";

  public static MachineFingerprint current(int threads, int batch) {
    return new MachineFingerprint(detectCpu(), Runtime.getRuntime().availableProcessors(), ND4J_VERSION,
        detectBackend(), threads, batch);
  }

  public String describe() {
    return cpu + ", " + cores + " cores, ND4J " + nd4jVersion + " " + backend + ", " + threads
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

  static String detectBackend() {
    // backend class and BLAS vendor; the oneDNN helpers ride on the classifier jar JavaCPP picked
    String blas = String.valueOf(Nd4j.getExecutioner().getEnvironmentInformation().getOrDefault("blas.vendor", "?"));
    String ext = System.getProperty("org.bytedeco.javacpp.platform.extension", "");
    return Nd4j.getBackend().getClass().getSimpleName() + "/" + blas + (ext.isEmpty() ? "" : "/" + ext);
  }
}
