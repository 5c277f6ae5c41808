package io.s3nas.latency;

import com.typesafe.config.Config;
import io.s3nas.platform.HardwareRegistry;
import java.nio.file.Path;

/**
 * One hardware platform as described by {@code conf/hardware/<name>.conf}: its kind (how latency
 * is obtained) and its settings. {@link HardwareRegistry} turns it into a {@link LatencyModel}.
 */
public record HardwarePlatform(String name, Kind kind, String description, Config settings, Path file) {

  /** How a platform's latency is obtained. */
  public enum Kind {
    /** A lookup table (S3NAS folder or CSV) with a predictor and optional analytical fallback. */
    TABLE,
    /** A device with no measurements: roofline from peak MAC rate, bandwidth, per-layer overhead. */
    ANALYTICAL,
    /** This machine's CPU through ND4J: measured per block, cached on disk. */
    ND4J,
    /** ONNX Runtime on this machine's CPU: needs the ONNX exporter of the final-network issue. */
    ONNXRUNTIME
  }
}
