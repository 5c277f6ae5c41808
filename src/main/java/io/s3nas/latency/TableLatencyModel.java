package io.s3nas.latency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A platform priced from a lookup table (docs/method.md §5.1): a table entry when there is one, else
 * the predictor fitted on the table (when {@code predictMissing}), else the analytical model (when
 * configured), else a clear error naming the missing key. Values are divided by {@code divisor}
 * (MIDAP stores cycles at 1 GHz: 1e6 cycles per ms).
 */
public final class TableLatencyModel implements LatencyModel {
  private final String platform;
  private final LatencyTable table;
  private final double divisor;
  private final boolean predictMissing;
  private final int vectorWidth;
  private final AnalyticalLatencyModel analytical;
  private volatile LatencyPredictor predictor;
  private final ConcurrentHashMap<Component, ComponentLatency> cache = new ConcurrentHashMap<>();

  public TableLatencyModel(String platform, LatencyTable table, double divisor, boolean predictMissing,
                           int vectorWidth, AnalyticalLatencyModel analytical) {
    this.platform = platform;
    this.table = table;
    this.divisor = divisor;
    this.predictMissing = predictMissing;
    this.vectorWidth = vectorWidth;
    this.analytical = analytical;
  }

  @Override
  public String platform() {
    return platform;
  }

  public LatencyTable table() {
    return table;
  }

  public int vectorWidth() {
    return vectorWidth;
  }

  @Override
  public ComponentLatency latency(Component c) {
    ComponentLatency hit = cache.get(c);
    if (hit != null) {
      return hit;
    }
    ComponentLatency v = compute(c);
    cache.put(c, v);
    return v;
  }

  private ComponentLatency compute(Component c) {
    double raw = table.value(c.tableKey());
    if (!Double.isNaN(raw)) {
      return new ComponentLatency(raw / divisor, LatencySource.TABLE);
    }
    if (predictMissing && freeClass(c.tableClass())) {
      return new ComponentLatency(0, LatencySource.PREDICTED); // e.g. MIDAP's pooling is free at every size
    }
    if (predictMissing && table.size() >= ComponentFeatures.NAMES.size()) {
      return new ComponentLatency(predictor().predict(c), LatencySource.PREDICTED);
    }
    if (analytical != null) {
      return analytical.latency(c);
    }
    throw MissingLatencyException.of(platform, table.name(), c);
  }

  /** Whether the table has entries of this class and every one of them is zero. */
  private boolean freeClass(String cls) {
    boolean any = false;
    for (LatencyTable.Entry e : table.entries()) {
      if (e.component().equals(cls)) {
        if (e.value() != 0) {
          return false;
        }
        any = true;
      }
    }
    return any;
  }

  /** The predictor fitted on every table entry it can interpret (fitted once, on first need). */
  public LatencyPredictor predictor() {
    LatencyPredictor p = predictor;
    if (p == null) {
      synchronized (this) {
        if (predictor == null) {
          predictor = LatencyPredictor.fit(samples(), vectorWidth);
        }
        p = predictor;
      }
    }
    return p;
  }

  /** The table's entries as predictor samples (in ms); zero entries (free pooling) are left out. */
  public List<LatencyPredictor.Sample> samples() {
    List<LatencyPredictor.Sample> out = new ArrayList<>();
    for (LatencyTable.Entry e : table.entries()) {
      Component c = ComponentFeatures.parse(e.component(), e.key(), e.inputSize());
      if (c != null && e.value() > 0) {
        out.add(new LatencyPredictor.Sample(c, e.value() / divisor));
      }
    }
    return out;
  }
}
