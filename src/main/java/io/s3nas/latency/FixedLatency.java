package io.s3nas.latency;

import io.s3nas.space.Architecture;
import io.s3nas.space.PlacedBlock;
import java.util.HashMap;
import java.util.Map;

/**
 * Fast total latency of many fixed architectures on one model: the same components and sum as
 * {@link NetworkLatency#estimate(Architecture, LatencyModel)}, without building a search space
 * per network, and with each distinct component priced once. For sweeps (compound scaling).
 */
public final class FixedLatency {
  private final LatencyModel model;
  private final Map<Component, Double> cache = new HashMap<>();

  public FixedLatency(LatencyModel model) {
    this.model = model;
  }

  public double totalMs(Architecture arch) {
    Architecture a = new Architecture(NetworkLatency.withGlobalActivation(arch.spec()));
    var layout = a.layout();
    double ms = model.networkOverheadMs();
    for (Component c : NetworkLatency.stemAndHead(layout)) {
      ms += price(c);
    }
    for (PlacedBlock p : layout.blocks()) {
      ms += price(new Component.Block(p.args(), p.inputSize()));
    }
    return ms;
  }

  private double price(Component c) {
    Double v = cache.get(c);
    if (v == null) {
      v = model.latency(c).ms();
      cache.put(c, v);
    }
    return v;
  }
}
