package io.s3nas.postprocess;

import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.StageSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A candidate post-processing change (docs/method.md §9): SE on every block of a stage, h-swish on a
 * stage's blocks, or h-swish globally (stem, blocks and head).
 *
 * @param kind what the change adds
 * @param stage the stage (0-based), or −1 for a global change
 * @param seRatio the SE ratio (EfficientNet's 0.25 of the block's input channels)
 */
public record Change(Kind kind, int stage, double seRatio) {
  /** The kinds of change. */
  public enum Kind { SE, HSWISH }

  public static Change se(int stage, double ratio) {
    return new Change(Kind.SE, stage, ratio);
  }

  public static Change hswish(int stage) {
    return new Change(Kind.HSWISH, stage, 0);
  }

  public static Change hswishGlobal() {
    return new Change(Kind.HSWISH, -1, 0);
  }

  public String label() {
    String where = stage < 0 ? "global" : "stage " + stage;
    return kind == Kind.SE ? "SE " + seRatio + " on " + where : "h-swish on " + where;
  }

  public Architecture apply(Architecture a) {
    ModelSpec spec = a.spec();
    if (kind == Kind.HSWISH && stage < 0) {
      return new Architecture(spec.withActivations(Activation.HSWISH, spec.seInnerActFn(), spec.seGatingFn()));
    }
    List<StageSpec> stages = new ArrayList<>();
    for (int s = 0; s < spec.stages().size(); s++) {
      List<BlockArgs> blocks = spec.stages().get(s).blocks();
      if (s == stage || (stage < 0 && kind == Kind.SE)) {
        blocks = blocks.stream().map(b -> kind == Kind.SE ? b.withSe(seRatio) : b.withActivation(Activation.HSWISH))
            .toList();
      }
      stages.add(new StageSpec(blocks));
    }
    return new Architecture(spec.withStages(stages, spec.stagesAsStrings()));
  }
}
