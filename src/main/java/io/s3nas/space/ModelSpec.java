package io.s3nas.space;

import java.util.ArrayList;
import java.util.List;

/**
 * The S3NAS model JSON (docs/method.md §12), supernet or final network alike. {@code stagesAsStrings}
 * remembers which {@code stages_args} form the file used so a round trip writes it back the same way.
 * Activation globals are null when the file leaves them to the defaults (relu, relu, sigmoid).
 */
public record ModelSpec(
    int imgSize,
    int imgChannels,
    int numClasses,
    LayerSpec firstConv,
    List<StageSpec> stages,
    LayerSpec featureMixLayer,
    LayerSpec finalExpandLayer,
    Activation actFn,
    Activation seInnerActFn,
    Activation seGatingFn,
    boolean stagesAsStrings) {

  public ModelSpec {
    stages = List.copyOf(stages);
  }

  public Activation activationOrDefault() {
    return actFn == null ? Activation.RELU : actFn;
  }

  public Activation seInnerOrDefault() {
    return seInnerActFn == null ? Activation.RELU : seInnerActFn;
  }

  public Activation seGatingOrDefault() {
    return seGatingFn == null ? Activation.SIGMOID : seGatingFn;
  }

  /** Every block, spanned to repeat 1, in network order. */
  public List<BlockArgs> spannedBlocks() {
    List<BlockArgs> out = new ArrayList<>();
    for (StageSpec s : stages) {
      out.addAll(s.spanned());
    }
    return out;
  }

  /** Whether any block is a searchable (supernet) block. */
  public boolean isSupernet() {
    return stages.stream().flatMap(s -> s.blocks().stream()).anyMatch(b -> b.type().searchable());
  }

  public ModelSpec withStages(List<StageSpec> newStages, boolean asStrings) {
    return new ModelSpec(imgSize, imgChannels, numClasses, firstConv, newStages, featureMixLayer,
        finalExpandLayer, actFn, seInnerActFn, seGatingFn, asStrings);
  }

  public ModelSpec withImgSize(int size) {
    return new ModelSpec(size, imgChannels, numClasses, firstConv, stages, featureMixLayer,
        finalExpandLayer, actFn, seInnerActFn, seGatingFn, stagesAsStrings);
  }

  public ModelSpec withHeads(LayerSpec first, LayerSpec mix, LayerSpec finalExpand) {
    return new ModelSpec(imgSize, imgChannels, numClasses, first, stages, mix, finalExpand, actFn,
        seInnerActFn, seGatingFn, stagesAsStrings);
  }

  public ModelSpec withActivations(Activation act, Activation seInner, Activation seGating) {
    return new ModelSpec(imgSize, imgChannels, numClasses, firstConv, stages, featureMixLayer,
        finalExpandLayer, act, seInner, seGating, stagesAsStrings);
  }
}
