package io.s3nas.search;

import io.s3nas.nn.engine.RmsProp;
import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The thresholds' optimiser (docs/method.md §6.1): RMSProp as for the weights, one slot pair per
 * branch's kernel and channel thresholds, the 3×3 core and a branch that may not vanish frozen.
 * With {@link SearchSettings#sharedThresholdScale()} every threshold's step is divided by one
 * running mean square over all of them instead of its own, so the steps keep the gradients'
 * relative sizes (an experiment; the paper's is each threshold's own).
 */
final class ThresholdOptimizer {
  private final SupernetDecisions decisions;
  private final SearchSettings settings;
  private final RmsProp rms;
  private final List<RmsProp.DoubleSlots[]> slots = new ArrayList<>();
  /** The mean square every threshold shares with {@link SearchSettings#sharedThresholdScale()}. */
  private final double[] sharedMs = {1.0};

  ThresholdOptimizer(SupernetDecisions decisions, SearchSettings settings, RmsProp rms) {
    this.decisions = decisions;
    this.settings = settings;
    this.rms = rms;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = decisions.kernel(b.index(), i);
        slots.add(new RmsProp.DoubleSlots[] {new RmsProp.DoubleSlots(k.kernelThresholds().length),
            new RmsProp.DoubleSlots(k.channelThresholds().length)});
      }
    }
  }

  /** Clears every slot (the search phase's start: the warm-up's statistics say nothing of it). */
  void clear() {
    for (RmsProp.DoubleSlots[] s : slots) {
      for (RmsProp.DoubleSlots d : s) {
        Arrays.fill(d.ms, 0);
        Arrays.fill(d.mom, 0);
      }
    }
    sharedMs[0] = 0;
  }

  /**
   * One step: {@code grads} per branch in block order, {kernel, channel} each; {@code scale} the
   * clipping factor of this step.
   */
  void step(List<double[][]> grads, double lr, double scale) {
    if (settings.sharedThresholdScale()) {
      double sum = 0;
      int count = 0;
      int ti = 0;
      for (SearchableBlock b : decisions.space().blocks()) {
        for (int i = 0; i < b.branches().size(); i++) {
          double[][] g = grads.get(ti++);
          for (int j = 1; j < g[0].length; j++) {
            sum += g[0][j] * g[0][j] * scale * scale;
            count++;
          }
          for (int m = b.branches().get(i).canZeroOut() ? 0 : 1; m < g[1].length; m++) {
            sum += g[1][m] * g[1][m] * scale * scale;
            count++;
          }
        }
      }
      if (count > 0) {
        sharedMs[0] = settings.rmsDecay() * sharedMs[0] + (1 - settings.rmsDecay()) * sum / count;
      }
    }
    int ti = 0;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = decisions.kernel(b.index(), i);
        double[][] g = grads.get(ti);
        RmsProp.DoubleSlots[] s = slots.get(ti++);
        boolean[] kernelFrozen = new boolean[k.kernelThresholds().length];
        kernelFrozen[0] = true; // the 3x3 core has no threshold
        boolean[] chanFrozen = new boolean[k.channelThresholds().length];
        chanFrozen[0] = !b.branches().get(i).canZeroOut();
        if (settings.sharedThresholdScale()) {
          rms.update(k.kernelThresholds(), g[0], s[0], lr, scale, kernelFrozen, sharedMs[0]);
          rms.update(k.channelThresholds(), g[1], s[1], lr, scale, chanFrozen, sharedMs[0]);
        } else {
          rms.update(k.kernelThresholds(), g[0], s[0], lr, scale, kernelFrozen);
          rms.update(k.channelThresholds(), g[1], s[1], lr, scale, chanFrozen);
        }
      }
    }
  }

  /** A branch's thresholds and slots, under the names a checkpoint gives them. */
  private interface Tensors {
    void visit(String name, double[] values);
  }

  /** Every branch's thresholds and slots, by checkpoint name, in a fixed order. */
  private void each(Tensors t) {
    int ti = 0;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = decisions.kernel(b.index(), i);
        RmsProp.DoubleSlots[] s = slots.get(ti++);
        String id = b.index() + "." + i;
        t.visit("thr-kernel:" + id, k.kernelThresholds());
        t.visit("thr-channel:" + id, k.channelThresholds());
        t.visit("ms-kernel:" + id, s[0].ms);
        t.visit("mom-kernel:" + id, s[0].mom);
        t.visit("ms-channel:" + id, s[1].ms);
        t.visit("mom-channel:" + id, s[1].mom);
      }
    }
  }

  /** The thresholds and every slot, into a checkpoint's double tensors. */
  void save(Map<String, double[]> doubles) {
    each((name, values) -> doubles.put(name, values.clone()));
    doubles.put("ms-shared", sharedMs.clone());
  }

  /** Restores {@link #save}'s tensors. */
  void restore(io.s3nas.checkpoint.TensorArchive a) {
    each(a::copyInto);
    if (a.doubles().containsKey("ms-shared")) { // absent from checkpoints written before it existed
      a.copyInto("ms-shared", sharedMs);
    }
  }

  /** How many branches have thresholds (the slots' count). */
  int branches() {
    return slots.size();
  }
}
