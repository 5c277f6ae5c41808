package io.s3nas.space;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape inference for a model JSON: TensorFlow 'SAME' padding, so a stride-s layer maps H to
 * ceil(H / s); a block's stride sits on its depthwise (or fused front) conv. Square inputs only.
 */
public record NetworkLayout(ModelSpec spec, int stemOutputSize, List<PlacedBlock> blocks, int headInputSize,
                            int headInputChannels) {

  public static int outSize(int in, int stride) {
    return (in + stride - 1) / stride;
  }

  public static NetworkLayout of(ModelSpec spec) {
    int size = outSize(spec.imgSize(), spec.firstConv().stride());
    int stem = size;
    int channels = spec.firstConv().outputFilters();
    List<PlacedBlock> placed = new ArrayList<>();
    int index = 0;
    for (int s = 0; s < spec.stages().size(); s++) {
      int j = 0;
      for (BlockArgs b : spec.stages().get(s).spanned()) {
        int out = outSize(size, b.strideH());
        placed.add(new PlacedBlock(index++, s, j++, b, size, out));
        size = out;
        channels = b.outputFilters();
      }
    }
    return new NetworkLayout(spec, stem, placed, size, channels);
  }

  /** Spatial size after the whole head conv (the feature-mix conv, or final_expand when present). */
  public int headConvOutputSize() {
    LayerSpec first = spec.finalExpandLayer() != null ? spec.finalExpandLayer() : spec.featureMixLayer();
    return outSize(headInputSize, first.stride());
  }
}
