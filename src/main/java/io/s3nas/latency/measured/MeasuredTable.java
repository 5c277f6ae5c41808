package io.s3nas.latency.measured;

import io.s3nas.latency.Calibration;
import io.s3nas.latency.Component;
import io.s3nas.latency.ComponentLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencySource;
import io.s3nas.latency.LatencyTable;
import io.s3nas.latency.LeastSquares;
import io.s3nas.latency.TableLatencyModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A measured platform's table as estimates read it: the components' times (ms, in the units of the
 * session that started the table, see {@link io.s3nas.latency.NetworkMeasurement}), the calibration
 * fitted on whole networks, and whether estimates apply it. Whoever fills it owns the device:
 * {@link MeasuredLatencyModel} times components on this machine; on a cluster, a search whose
 * platform is served by a device node mirrors that node's table in one of these
 * (docs/cluster.md, "Device nodes"), so both price a component with the same formula.
 */
public final class MeasuredTable {
  private final String platform;
  private final Map<String, LatencyTable.Entry> entries = new LinkedHashMap<>();
  private Calibration calibration = Calibration.NONE;
  private boolean useCalibration;

  public MeasuredTable(String platform, boolean useCalibration) {
    this.platform = platform;
    this.useCalibration = useCalibration;
  }

  public String platform() {
    return platform;
  }

  /** Whether pricing {@code c} needs no timing (pooling is timed with the classifier, so always held). */
  public synchronized boolean holds(Component c) {
    return c instanceof Component.Pool || entries.containsKey(c.tableKey());
  }

  /** The raw entry of a table key, or null. */
  public synchronized LatencyTable.Entry get(String tableKey) {
    return entries.get(tableKey);
  }

  public synchronized void put(LatencyTable.Entry e) {
    entries.put(e.tableKey(), e);
  }

  public synchronized List<LatencyTable.Entry> entries() {
    return new ArrayList<>(entries.values());
  }

  public synchronized int size() {
    return entries.size();
  }

  /**
   * The latency of a held component: its time, and with the calibration its time × scale plus its
   * parameters' share (docs/latency.md, "Calibration"). Pooling without an entry costs nothing.
   */
  public synchronized ComponentLatency price(Component c) {
    LatencyTable.Entry e = entries.get(c.tableKey());
    if (e == null) {
      if (c instanceof Component.Pool) {
        return new ComponentLatency(0, LatencySource.TABLE);
      }
      throw new IllegalStateException(platform + ": " + c.tableKey() + " is not in the table yet");
    }
    double ms = useCalibration ? e.value() * calibration.scale() + calibration.perMParamsMs() * c.params() / 1e6
        : e.value();
    return new ComponentLatency(ms, LatencySource.TABLE);
  }

  /** The network's once-per-pass cost: the calibration's intercept when it applies. */
  public synchronized double networkOverheadMs() {
    return useCalibration ? calibration.interceptMs() : 0;
  }

  /**
   * Estimates that never time: the table's entries where it has them, elsewhere the predictor fitted
   * on them ({@link TableLatencyModel} with {@code vectorWidth}), with the calibration applied.
   */
  public synchronized LatencyModel predictingView(String tableName, int vectorWidth) {
    double s = useCalibration ? calibration.scale() : 1;
    TableLatencyModel table = new TableLatencyModel(platform, new LatencyTable(tableName,
        new ArrayList<>(entries.values()), List.of()), 1 / s, true, vectorWidth, null);
    double overhead = networkOverheadMs();
    double perParam = useCalibration ? calibration.perMParamsMs() / 1e6 : 0;
    String name = platform;
    return new LatencyModel() {
      @Override
      public String platform() {
        return name;
      }

      @Override
      public ComponentLatency latency(Component c) {
        ComponentLatency l = table.latency(c);
        return new ComponentLatency(l.ms() + perParam * c.params(), l.source());
      }

      @Override
      public double networkOverheadMs() {
        return overhead;
      }
    };
  }

  public synchronized Calibration calibration() {
    return calibration;
  }

  /** Stores a calibration; estimates apply it from now on. */
  public synchronized void calibration(Calibration c) {
    this.calibration = c;
    this.useCalibration = true;
  }

  /** Loads a stored calibration without changing whether estimates apply it. */
  public synchronized void loadCalibration(Calibration c) {
    this.calibration = c;
  }

  /** Whether a calibration with held-out errors is stored (older ones, fitted without, are refitted). */
  public synchronized boolean calibrated() {
    return calibration.heldOutErrors().length > 0;
  }

  public synchronized void useCalibration(boolean on) {
    this.useCalibration = on;
  }

  public synchronized boolean usesCalibration() {
    return useCalibration;
  }

  /**
   * Fits measured ≈ intercept + scale · Σ + perMParams · params/10⁶ by least squares, with its
   * held-out errors. The parameter term carries what separately timed parts miss: a network
   * streams all its weights through the caches on every pass, a part timed alone keeps its own hot.
   * Falls back to intercept + scale · Σ, then to the intercept alone, when the networks cannot
   * separate the terms (a slope outside 0.5..2 or a negative parameter cost).
   */
  public static Calibration fit(double[] sums, double[] params, double[] measuredMs, double[] heldOutSums,
                                double[] heldOutParams, double[] heldOutMeasuredMs) {
    int n = sums.length;
    double[] mp = new double[n];
    for (int i = 0; i < n; i++) {
      mp[i] = params[i] / 1e6;
    }
    double[] fit = n >= 4 ? LeastSquares.fit(measuredMs, ones(n), sums, mp) : null;
    if (fit == null || !(fit[1] > 0.5 && fit[1] < 2) || !(fit[2] >= 0)) {
      double[] two = n >= 3 ? LeastSquares.fit(measuredMs, ones(n), sums) : null;
      fit = two != null && two[1] > 0.5 && two[1] < 2 ? new double[] {two[0], two[1], 0}
          : new double[] {java.util.Arrays.stream(measuredMs).average().orElse(0)
              - java.util.Arrays.stream(sums).average().orElse(0), 1, 0};
    }
    double[] errors = new double[heldOutSums.length];
    for (int i = 0; i < errors.length; i++) {
      double est = fit[0] + fit[1] * heldOutSums[i] + fit[2] * heldOutParams[i] / 1e6;
      errors[i] = est / heldOutMeasuredMs[i] - 1;
    }
    return new Calibration(fit[0], fit[1], fit[2], n, errors);
  }

  private static double[] ones(int n) {
    double[] o = new double[n];
    java.util.Arrays.fill(o, 1);
    return o;
  }
}
