package io.s3nas.space;

import java.util.ArrayList;
import java.util.List;

/** A stage: a list of block args, each possibly repeated. */
public record StageSpec(List<BlockArgs> blocks) {
  public StageSpec {
    blocks = List.copyOf(blocks);
  }

  /** The stage as individual repeat-1 blocks. */
  public List<BlockArgs> spanned() {
    List<BlockArgs> out = new ArrayList<>();
    for (BlockArgs b : blocks) {
      out.addAll(b.span());
    }
    return out;
  }
}
