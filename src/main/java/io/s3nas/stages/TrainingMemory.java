package io.s3nas.stages;

import io.s3nas.nn.engine.FinalNet;
import io.s3nas.nn.engine.SupernetNet;
import io.s3nas.postprocess.Change;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.OptionalLong;

/**
 * The activation memory a run's training steps keep, before the run starts: what the launcher
 * sizes the Java heap from instead of a fixed share of the machine (docs/engine-measurements.md,
 * "Memory"). The figures are the engine's own buffer counts ({@code trainingBytes}), which
 * TrainingFootprintTest holds to what a step really keeps.
 */
public final class TrainingMemory {
  /**
   * MiB of Java heap for everything a process holds besides training activations: the dataset, the
   * actor system and journal, ND4J's and ONNX Runtime's Java side.
   */
  public static final long BASE_HEAP_MIB = 512;
  /** Headroom over the activations: transient garbage between collections, G1's humongous rounding. */
  public static final double HEAP_MARGIN = 1.3;

  private TrainingMemory() {}

  /** The Java heap, MiB, for a run whose training keeps {@code activationBytes}. */
  public static long heapMib(long activationBytes) {
    return BASE_HEAP_MIB + (long) Math.ceil(HEAP_MARGIN * activationBytes / (1 << 20));
  }

  /** Training the supernet at this batch size. */
  public static long supernet(SearchSpace space, int batch) {
    return new SupernetNet(space, 0, 1, 0, 0.99, 1e-3).trainingBytes(batch);
  }

  /** Training one network at this batch size. */
  public static long network(Architecture arch, int batch) {
    return new FinalNet(arch, 0, 1, 0, 0, 0.99, 1e-3).trainingBytes(batch);
  }

  /**
   * The most a whole search's training keeps: the supernet, or the largest network the later
   * stages can train. That one is bounded by the widest network of the space (every block with its
   * widest outcome, SE on every block, h-swish), times the scaling limit: scaling multiplies
   * activations by d·w·r² and multiply-adds by d·w²·r², so with w, d, r ≥ 1 the activations grow at
   * most as much as the multiply-adds, which {@code scaling-max-macs} caps. Without that cap (0)
   * scaling may grow a network without a bound known in advance: empty.
   */
  public static OptionalLong search(SearchSpace space, int batch, double scalingMaxMacs, double seRatio) {
    if (!(scalingMaxMacs > 0)) {
      return OptionalLong.empty();
    }
    Architecture widest = Change.hswishGlobal().apply(Change.se(-1, seRatio).apply(space.architecture(widest(space))));
    long finalBound = (long) Math.ceil(network(widest, batch) * Math.max(1, scalingMaxMacs));
    return OptionalLong.of(Math.max(supernet(space, batch), finalBound));
  }

  /** Per block, the outcome with the most expanded channels (the widest single path). */
  static int[] widest(SearchSpace space) {
    int[] choice = new int[space.blocks().size()];
    for (SearchableBlock b : space.blocks()) {
      int best = 0;
      int width = -1;
      for (int i = 0; i < b.outcomes().size(); i++) {
        BlockArgs c = b.concrete(i);
        int w = c == null ? 0 : c.expandedFilters();
        if (w > width) {
          width = w;
          best = i;
        }
      }
      choice[b.index()] = best;
    }
    return choice;
  }
}
