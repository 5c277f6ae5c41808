package io.s3nas.scaling;

import io.s3nas.common.InvalidInputException;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.Complexity;
import io.s3nas.space.LayerSpec;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.NetworkLayout;
import io.s3nas.space.PlacedBlock;
import io.s3nas.space.StageSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Applies {@link Scaling} to an architecture exactly as docs/method.md §8 describes: the input size to
 * the nearest multiple of 4 of size·r; every stem, block and head width through round_filters (the
 * expansion ratios stay, so the depthwise widths follow); then each stage's extra blocks — whole
 * rounds of one copy per block while the extra count allows, the rest one each to the blocks with
 * the most parameters (the first block counted as its stride-1, in = out clone, which is what a copy
 * of it is), each copy inserted right after its block.
 */
public final class CompoundScaler {
  private CompoundScaler() {}

  public static Architecture scale(Architecture arch, Scaling s) {
    return scale(arch, s, new ArrayList<>());
  }

  private static Architecture scale(Architecture arch, Scaling s, List<Integer> origins) {
    ModelSpec spec = arch.spec();
    List<StageSpec> stages = spec.stages();
    if (s.depthList() != null && s.depthList().size() != stages.size()) {
      throw new InvalidInputException("depth list", null, "one block count per stage (" + stages.size()
          + "), got " + s.depthList().size());
    }
    LayerSpec stem = spec.firstConv().withOutputFilters(s.filters(spec.firstConv().outputFilters()));
    LayerSpec mix = spec.featureMixLayer().withOutputFilters(s.filters(spec.featureMixLayer().outputFilters()));
    LayerSpec fe = spec.finalExpandLayer() == null ? null
        : spec.finalExpandLayer().withOutputFilters(s.filters(spec.finalExpandLayer().outputFilters()));
    ModelSpec widened = spec.withHeads(stem, mix, fe).withImgSize(s.imageSize(spec.imgSize()));
    List<StageSpec> wide = new ArrayList<>();
    for (StageSpec st : stages) {
      wide.add(new StageSpec(st.spanned().stream()
          .map(b -> b.withFilters(s.filters(b.inputFilters()), s.filters(b.outputFilters()))).toList()));
    }
    widened = widened.withStages(wide, spec.stagesAsStrings());
    NetworkLayout layout = NetworkLayout.of(widened);
    List<StageSpec> deep = new ArrayList<>();
    int at = 0;
    for (int st = 0; st < wide.size(); st++) {
      List<BlockArgs> blocks = wide.get(st).blocks();
      int n = blocks.size();
      int target = s.stageDepth(st, n);
      if (target < n) {
        throw new InvalidInputException("depth list", "stage " + st, "at least the stage's " + n + " blocks (scaling "
            + "only grows), got " + target);
      }
      int[] sizes = new int[n];
      for (int i = 0; i < n; i++) {
        PlacedBlock p = layout.blocks().get(at + i);
        sizes[i] = NetworkLayout.outSize(p.inputSize(), p.args().strideH());
      }
      int[] copies = copies(blocks, sizes, target - n);
      deep.add(new StageSpec(grow(blocks, copies)));
      for (int i = 0; i < n; i++) {
        for (int c = 0; c <= copies[i]; c++) {
          origins.add(at + i);
        }
      }
      at += n;
    }
    return Architecture.of(widened.withStages(deep, spec.stagesAsStrings()), "scaled");
  }

  /**
   * For each block of {@code scale(arch, s)}, in order, the index (in {@code arch}'s block order) of
   * the block it is or copies: what {@code s3nas explain} traces a final block back to.
   */
  public static List<Integer> origins(Architecture arch, Scaling s) {
    List<Integer> origins = new ArrayList<>();
    scale(arch, s, origins);
    return origins;
  }

  /** The stage's blocks, each followed by its {@code copies}. */
  static List<BlockArgs> grow(List<BlockArgs> blocks, int[] copies) {
    List<BlockArgs> out = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      out.add(blocks.get(i));
      for (int c = 0; c < copies[i]; c++) {
        out.add(blocks.get(i).asRepeatClone());
      }
    }
    return out;
  }

  /**
   * How many copies of each block {@code extra} gives: whole rounds of one per block, the rest one
   * each to the blocks with the most parameters; {@code outSizes[i]} is where block i's copies run.
   */
  static int[] copies(List<BlockArgs> blocks, int[] outSizes, int extra) {
    int n = blocks.size();
    int[] copies = new int[n];
    Arrays.fill(copies, extra / n);
    Integer[] order = new Integer[n];
    long[] params = new long[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
      params[i] = Complexity.block(blocks.get(i).asRepeatClone(), outSizes[i]).params();
    }
    Arrays.sort(order, Comparator.comparingLong((Integer i) -> -params[i])); // stable: ties keep block order
    for (int j = 0; j < extra % n; j++) {
      copies[order[j]]++;
    }
    return copies;
  }
}
