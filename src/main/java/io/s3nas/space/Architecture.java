package io.s3nas.space;

import io.s3nas.common.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * A concrete network: the model JSON of a final (non-searchable) architecture with every stage
 * spanned to repeat-1 blocks. Immutable; everything else (shapes, counts, block strings) is derived.
 */
public record Architecture(ModelSpec spec) {

  public Architecture {
    for (StageSpec s : spec.stages()) {
      for (BlockArgs b : s.blocks()) {
        if (b.repeat() != 1) {
          throw new IllegalArgumentException("Architecture blocks are spanned to repeat 1: " + b);
        }
      }
    }
  }

  /**
   * Validates and spans {@code spec} into an architecture: no searchable blocks and no zero
   * expansion may remain.
   */
  public static Architecture of(ModelSpec spec, String source) {
    List<StageSpec> spanned = new ArrayList<>();
    for (int s = 0; s < spec.stages().size(); s++) {
      for (BlockArgs b : spec.stages().get(s).blocks()) {
        if (b.type().searchable()) {
          throw new InvalidInputException(source, "stages_args[" + s + "]", "block " + b
              + " is a searchable supernet block; an architecture needs final types (c0, c15, c100)");
        }
        if (b.expansions().contains(0)) {
          throw new InvalidInputException(source, "stages_args[" + s + "]", "block " + b
              + " has expansion 0; delete skipped blocks instead");
        }
      }
      spanned.add(new StageSpec(spec.stages().get(s).spanned()));
    }
    return new Architecture(spec.withStages(spanned, false));
  }

  public NetworkLayout layout() {
    return NetworkLayout.of(spec);
  }

  public List<BlockArgs> blocks() {
    return spec.spannedBlocks();
  }

  /** Block strings per stage, the compact form of the architecture. */
  public List<List<String>> blockStrings() {
    List<List<String>> out = new ArrayList<>();
    for (StageSpec s : spec.stages()) {
      out.add(s.blocks().stream().map(BlockStrings::format).toList());
    }
    return out;
  }

  public Cost cost() {
    return Complexity.total(spec);
  }

  /**
   * Builds an architecture from block strings, taking input, stem and head from {@code base}.
   * Stages are separated by '|' or new lines; blocks by whitespace or ';'. Without separators a new
   * stage starts where the stride or the width changes.
   */
  public static Architecture fromBlockStrings(String text, ModelSpec base, String source) {
    String norm = text.trim();
    boolean explicitStages = norm.contains("|") || norm.contains("\n");
    String[] stageTexts = explicitStages ? norm.split("[|\\n]") : new String[] {norm};
    List<StageSpec> stages = new ArrayList<>();
    for (String st : stageTexts) {
      List<BlockArgs> blocks = new ArrayList<>();
      for (String tok : st.trim().split("[\\s;]+")) {
        if (tok.isEmpty()) {
          continue;
        }
        try {
          blocks.add(BlockStrings.parse(tok));
        } catch (InvalidInputException e) {
          throw e.within(source, null);
        }
      }
      if (!blocks.isEmpty()) {
        stages.add(new StageSpec(blocks));
      }
    }
    if (stages.isEmpty()) {
      throw new InvalidInputException(source, null, "no block strings given");
    }
    if (!explicitStages) {
      stages = inferStages(stages.get(0).blocks());
    }
    ModelSpec spec = base.withStages(stages, false);
    String json = ModelJson.format(spec);
    return of(ModelJson.parse(json, source), source);
  }

  private static List<StageSpec> inferStages(List<BlockArgs> blocks) {
    List<StageSpec> stages = new ArrayList<>();
    List<BlockArgs> cur = new ArrayList<>();
    for (BlockArgs b : blocks) {
      if (!cur.isEmpty() && (b.strideH() != 1 || b.inputFilters() != b.outputFilters())) {
        stages.add(new StageSpec(cur));
        cur = new ArrayList<>();
      }
      cur.add(b);
    }
    stages.add(new StageSpec(cur));
    return stages;
  }
}
