package io.s3nas.latency.measured;

import io.s3nas.latency.Calibration;
import io.s3nas.latency.Component;
import io.s3nas.latency.ComponentLatency;
import io.s3nas.latency.MeasurableLatencyModel;
import java.util.List;

/**
 * A measured platform whose estimates are read from a {@link MeasuredTable}: a component the table
 * lacks is profiled first ({@link #prefetch}), then priced with the table's calibration. The
 * implementations differ only in where the timing happens: {@link MeasuredLatencyModel} on this
 * machine, a cluster's device-node model by asking that node (docs/cluster.md, "Device nodes").
 */
public interface TableBackedModel extends MeasurableLatencyModel {
  /** The table estimates read (for a device node's model, the mirror of the node's). */
  MeasuredTable table();

  @Override
  default boolean holds(Component c) {
    return table().holds(c);
  }

  @Override
  default ComponentLatency latency(Component c) {
    if (!table().holds(c)) {
      prefetch(List.of(c)); // a component the table lacks is timed first (prefetch checks again under its lock)
    }
    return table().price(c);
  }

  @Override
  default double networkOverheadMs() {
    return table().networkOverheadMs();
  }

  /** Sets whether estimates apply the stored calibration (the validator compares both). */
  @Override
  default void useCalibration(boolean on) {
    table().useCalibration(on);
  }

  @Override
  default Calibration calibration() {
    return table().calibration();
  }

  /** A calibration with held-out errors is stored (older ones, fitted without, are refitted). */
  @Override
  default boolean calibrated() {
    return table().calibrated();
  }
}
