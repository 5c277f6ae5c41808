package io.s3nas.latency;

import io.s3nas.space.Architecture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An estimate checked against a measurement of the whole network on this machine. The measurement
 * is compared in the table's units (divided by the machine's drift since the table was measured,
 * see {@link NetworkMeasurement}); the raw time is kept beside it.
 *
 * @param error estimate / measured-in-table-units − 1
 */
public record LatencyCheck(double estimatedMs, double measuredMs, double drift, double measuredTableMs,
                           double error) {
  public static LatencyCheck of(MeasurableLatencyModel model, Architecture a, double estimatedMs) {
    NetworkMeasurement m = model.measureNetworks(List.of(a));
    double table = m.inTableUnits()[0];
    return new LatencyCheck(estimatedMs, m.ms()[0], m.drift(), table, estimatedMs / table - 1);
  }

  /** JSON fields: {@code measured_latency_ms} (now), {@code machine_drift}, {@code measured_table_units_ms}, {@code estimate_error}. */
  public Map<String, Object> fields() {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("measured_latency_ms", measuredMs);
    o.put("machine_drift", drift);
    o.put("measured_table_units_ms", measuredTableMs);
    o.put("estimate_error", error);
    return o;
  }

  /** One line for people. */
  public String describe() {
    return String.format(Locale.ROOT, "measured %.4f ms now; the machine runs at %.3f x its table's times, so %.4f ms "
        + "in table units: the estimate %.4f ms is %+.1f%% off", measuredMs, drift, measuredTableMs, estimatedMs,
        100 * error);
  }
}
