package io.s3nas.space;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The search space of a supernet (docs/method.md §1.2, §2.2, §3, §4): for every block position its
 * branches, whether it may be skipped, and the distinct outcomes it can produce after the MixConv
 * simplification (16 for a residual k5,5,7 e2,2,2 block, 15 otherwise). Skippability follows the
 * residual test (stride 1, in == out, not noskip), not the block's position in its stage.
 */
public record SearchSpace(ModelSpec supernet, NetworkLayout layout, List<SearchableBlock> blocks) {

  /** Canonical outcome order: skip, then by number of kernels, kernels, expansions. */
  private static final Comparator<BlockOutcome> ORDER = Comparator
      .comparingInt((BlockOutcome o) -> o.kernels().size())
      .thenComparing(o -> o.kernels(), SearchSpace::lexicographic)
      .thenComparing(o -> o.expansions(), SearchSpace::lexicographic);

  public static SearchSpace of(ModelSpec supernet) {
    NetworkLayout layout = NetworkLayout.of(supernet);
    List<SearchableBlock> out = new ArrayList<>();
    for (PlacedBlock p : layout.blocks()) {
      out.add(block(p));
    }
    return new SearchSpace(supernet, layout, out);
  }

  static SearchableBlock block(PlacedBlock p) {
    BlockArgs b = p.args();
    if (!b.type().searchable()) {
      BlockOutcome fixed = new BlockOutcome(b.kernels(), b.expansions());
      return new SearchableBlock(p.index(), p.stage(), p.indexInStage(), b, p.inputSize(), List.of(),
          List.of(fixed), List.of());
    }
    boolean residual = b.residual();
    int largest = argmax(b.kernels());
    List<Branch> branches = new ArrayList<>();
    for (int i = 0; i < b.kernels().size(); i++) {
      List<Integer> ks = new ArrayList<>();
      for (int k = 3; k <= b.kernels().get(i); k += 2) {
        ks.add(k);
      }
      if (ks.isEmpty()) {
        ks.add(b.kernels().get(i)); // a 1x1 superkernel has nothing to search
      }
      // Only multi-branch blocks keep a mandatory branch; single-branch blocks zero out iff residual.
      boolean canZero = b.type().multiBranch() ? !(i == largest && !residual) : residual;
      List<Integer> es = new ArrayList<>();
      if (canZero) {
        es.add(0);
      }
      for (int e = 2; e <= b.expansions().get(i); e += 2) {
        es.add(e);
      }
      if (es.isEmpty() || (es.size() == 1 && es.get(0) == 0)) {
        es.add(b.expansions().get(i)); // expansions below 2 are fixed, as the reference's range() leaves them
      }
      branches.add(new Branch(b.kernels().get(i), ks, es, canZero));
    }
    Map<BlockOutcome, List<int[][]>> byOutcome = new LinkedHashMap<>();
    enumerate(branches, 0, new int[branches.size()], new int[branches.size()], byOutcome);
    List<BlockOutcome> outcomes = new ArrayList<>(byOutcome.keySet());
    outcomes.sort(ORDER);
    List<SearchableBlock.Combo> combos = new ArrayList<>();
    for (int oi = 0; oi < outcomes.size(); oi++) {
      for (int[][] c : byOutcome.get(outcomes.get(oi))) {
        combos.add(new SearchableBlock.Combo(c[0], c[1], oi));
      }
    }
    return new SearchableBlock(p.index(), p.stage(), p.indexInStage(), b, p.inputSize(), branches,
        outcomes, combos);
  }

  private static void enumerate(List<Branch> branches, int b, int[] ki, int[] ei,
                                Map<BlockOutcome, List<int[][]>> acc) {
    if (b == branches.size()) {
      BlockOutcome o = simplify(branches, ki, ei);
      acc.computeIfAbsent(o, x -> new ArrayList<>()).add(new int[][] {ki.clone(), ei.clone()});
      return;
    }
    Branch br = branches.get(b);
    for (int k = 0; k < br.kernelOptions().size(); k++) {
      for (int e = 0; e < br.expansionOptions().size(); e++) {
        ki[b] = k;
        ei[b] = e;
        enumerate(branches, b + 1, ki, ei, acc);
      }
    }
  }

  /** Sum channels of equal kernels, drop zero branches, sort by kernel (docs/method.md §3). */
  static BlockOutcome simplify(List<Branch> branches, int[] ki, int[] ei) {
    TreeMap<Integer, Integer> perKernel = new TreeMap<>();
    for (int b = 0; b < branches.size(); b++) {
      int e = branches.get(b).expansionOptions().get(ei[b]);
      if (e > 0) {
        perKernel.merge(branches.get(b).kernelOptions().get(ki[b]), e, Integer::sum);
      }
    }
    if (perKernel.isEmpty()) {
      return BlockOutcome.SKIP;
    }
    return new BlockOutcome(new ArrayList<>(perKernel.keySet()), new ArrayList<>(perKernel.values()));
  }

  private static int argmax(List<Integer> xs) {
    int best = 0;
    for (int i = 1; i < xs.size(); i++) {
      if (xs.get(i) > xs.get(best)) {
        best = i;
      }
    }
    return best;
  }

  private static int lexicographic(List<Integer> a, List<Integer> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = Integer.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** Number of distinct architectures: the product of per-block outcome counts. */
  public BigInteger size() {
    BigInteger n = BigInteger.ONE;
    for (SearchableBlock b : blocks) {
      n = n.multiply(BigInteger.valueOf(b.outcomes().size()));
    }
    return n;
  }

  /**
   * The architecture for one outcome index per block. Skipped blocks are deleted; a stage left
   * empty is dropped (only possible when its first block is residual, as in the Fashion supernet).
   */
  public Architecture architecture(int[] choice) {
    if (choice.length != blocks.size()) {
      throw new IllegalArgumentException("expected " + blocks.size() + " choices, got " + choice.length);
    }
    List<List<BlockArgs>> stages = new ArrayList<>();
    for (int s = 0; s < supernet.stages().size(); s++) {
      stages.add(new ArrayList<>());
    }
    for (SearchableBlock b : blocks) {
      BlockArgs c = b.concrete(choice[b.index()]);
      if (c != null) {
        stages.get(b.stage()).add(c);
      }
    }
    List<StageSpec> kept = new ArrayList<>();
    for (List<BlockArgs> s : stages) {
      if (!s.isEmpty()) {
        kept.add(new StageSpec(s));
      }
    }
    return Architecture.of(supernet.withStages(kept, false), "derived architecture");
  }

  /**
   * An outcome index per block that derives {@code arch}, when it lies in this space. Architecture
   * blocks are matched to the earliest positions that can produce them; the remaining skippable
   * positions are skipped (equal residual blocks of a stage are interchangeable).
   */
  public int[] choiceOf(Architecture arch) {
    List<PlacedBlock> placed = arch.layout().blocks();
    int[] choice = new int[blocks.size()];
    int j = 0;
    for (SearchableBlock b : blocks) {
      PlacedBlock p = j < placed.size() ? placed.get(j) : null;
      int match = -1;
      if (p != null) {
        BlockOutcome o = new BlockOutcome(p.args().kernels(), p.args().expansions());
        int idx = b.outcomes().indexOf(o);
        if (idx >= 0 && b.concrete(idx) != null && b.concrete(idx).equals(p.args())
            && p.inputSize() == b.inputSize()) {
          match = idx;
        }
      }
      if (match >= 0) {
        choice[b.index()] = match;
        j++;
      } else if (b.skippable()) {
        choice[b.index()] = b.outcomeIndex(BlockOutcome.SKIP);
      } else {
        throw new IllegalArgumentException("architecture block " + j + " ("
            + (p == null ? "missing" : p.args()) + ") is not an outcome of supernet block " + b.index()
            + " (" + b.superArgs() + ")");
      }
    }
    if (j != placed.size()) {
      throw new IllegalArgumentException("architecture has " + placed.size()
          + " blocks but only " + j + " map onto the supernet");
    }
    return choice;
  }
}
