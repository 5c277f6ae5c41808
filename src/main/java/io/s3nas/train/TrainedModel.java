package io.s3nas.train;

import io.s3nas.data.Normalization;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.space.Architecture;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained network: its architecture, every tensor by the engine's names (weights and BN running
 * statistics), the BN epsilon they were trained with, the input normalisation it was trained with, and free-form facts about its training
 * (dataset, epochs, top-1, ...).
 */
public record TrainedModel(Architecture architecture, Map<String, float[]> tensors, double bnEpsilon,
                           Normalization normalization, Map<String, Object> info) {
  public TrainedModel {
    tensors = new LinkedHashMap<>(tensors);
    info = new LinkedHashMap<>(info);
  }

  /** A ready engine network carrying these tensors, for evaluation. */
  public FinalNet toNet(int threads) {
    FinalNet net = new FinalNet(architecture, 0, threads, 0, 0, 0.99, bnEpsilon);
    Map<String, float[]> live = net.tensors();
    live.forEach((name, v) -> System.arraycopy(tensors.get(name), 0, v, 0, v.length));
    return net;
  }
}
