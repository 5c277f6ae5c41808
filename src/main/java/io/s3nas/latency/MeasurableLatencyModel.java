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

  /** Whether the table already holds {@code c} (asking for it then times nothing). */
  default boolean holds(Component c) {
    return false;
  }

  /** Latency of whole networks in ms now (no drift correction). */
  default double[] measureNetworksMs(List<Architecture> archs) {
    return measureNetworks(archs).ms();
  }

  /**
   * Fits measured ≈ intercept + scale · Σ components + perMParams · parameters / 10⁶ (measured in
   * table units; parameters of each network) and stores it, with the relative errors the fit then
   * makes on held-out networks measured in the same session ({@link Calibration}).
   *
   * @param heldOut the held-out networks' plain sums, parameters and measurements (may be empty)
   */
  Calibration calibrate(double[] componentSums, double[] params, double[] measuredMs, double[] heldOutSums,
                        double[] heldOutParams, double[] heldOutMeasuredMs);

  /** Whether estimates apply the stored calibration. */
  void useCalibration(boolean on);

  /** The stored calibration ({@link Calibration#NONE} before one is fitted). */
  Calibration calibration();

  /** Whether a calibration with held-out errors is stored for this machine and settings. */
  boolean calibrated();

  /** A description of the machine and settings the measurements belong to. */
  String describeMachine();

  @Override
  default boolean measurable() {
    return true;
  }
}
