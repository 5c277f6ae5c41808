package io.s3nas.latency;

import io.s3nas.space.Architecture;
import java.util.List;

/** A platform present on this machine: whole networks can be measured and the sum calibrated. */
public interface MeasurableLatencyModel extends LatencyModel {
  /**
   * Whole networks measured interleaved so they share the machine's conditions, together with the
   * machine's drift since the table was measured (see {@link NetworkMeasurement}).
   */
  NetworkMeasurement measureNetworks(List<Architecture> archs);

  /** Latency of whole networks in ms now (no drift correction). */
  default double[] measureNetworksMs(List<Architecture> archs) {
    return measureNetworks(archs).ms();
  }

  /**
   * Fits and stores measured ≈ intercept + scale · Σ components + perMParams · parameters / 10⁶
   * (measured in table units; parameters of each network).
   */
  void calibrate(double[] componentSums, double[] params, double[] measuredMs);

  /** Whether estimates apply the stored calibration. */
  void useCalibration(boolean on);

  double calibrationIntercept();

  double calibrationScale();

  /** ms per million parameters: a network reloads its weights on every pass, its parts timed alone do not. */
  double calibrationPerMParams();

  /** A description of the machine and settings the measurements belong to. */
  String describeMachine();

  @Override
  default boolean measurable() {
    return true;
  }
}
