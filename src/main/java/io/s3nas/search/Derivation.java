package io.s3nas.search;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.space.Branch;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a search turned its supernet into an architecture (docs/method.md §5.2): the step whose hard
 * decisions it read, by which rule, the threshold margins at that step, and what filling the slack
 * below the target changed afterwards. Kept in the search's last supernet checkpoint, so {@code
 * explain} shows the norms the derivation really saw — not the ones at the search's end, which differ
 * whenever a search near its target derived from an earlier step than its last.
 *
 * <p>Norms are flattened block by block, branch by branch: its kernel rings from the second (the
 * smallest kernel is always in), then its channel groups ({@link #levels}).
 *
 * @param step the step (counted from 1) whose decisions were derived
 * @param rule why that step, in words
 * @param norms each level's norm at that step (NaN: that step's norms were not kept)
 * @param margins each level's norm minus its threshold at that step (kept when positive)
 * @param read the outcome of each block at that step
 * @param derived the outcome of each block after filling the slack (equal to {@code read} where nothing was filled)
 */
public record Derivation(long step, String rule, double[] norms, double[] margins, int[] read, int[] derived) {
  static final String LAST = "the last step";
  static final String IN_BAND = "the latest search step within 2% below the target";
  static final String BELOW = "the latest search step within the target";
  static final String NONE_WITHIN = "the last step: no search step was within the target";

  /** Log columns of the checkpoint (with the {@code log:} prefix {@link RunCheckpoints} gives them). */
  static final String STEP = "derivation.step";
  static final String NORMS = "derivation.norms";
  static final String MARGINS = "derivation.margins";
  static final String READ = "derivation.read";
  static final String DERIVED = "derivation.derived";
  static final String RULE = "derivation.rule";
  private static final List<String> RULES = List.of(LAST, IN_BAND, BELOW, NONE_WITHIN);

  /** One step's norms and margins, {@link #flatten flattened}. */
  record Snapshot(long step, double[] norms, double[] margins) {
    double[] column() {
      double[] c = new double[1 + norms.length + margins.length];
      c[0] = step;
      System.arraycopy(norms, 0, c, 1, norms.length);
      System.arraycopy(margins, 0, c, 1 + norms.length, margins.length);
      return c;
    }

    static Snapshot of(double[] c) {
      int n = (c.length - 1) / 2;
      return new Snapshot((long) c[0], Arrays.copyOfRange(c, 1, 1 + n), Arrays.copyOfRange(c, 1 + n, c.length));
    }
  }

  /** One level of one branch: a kernel ring or a channel group, with the option it admits. */
  public record Level(int block, int branch, String kind, int option) {}

  /** The levels of the space in the order norms are flattened. */
  public static List<Level> levels(SearchSpace space) {
    List<Level> out = new java.util.ArrayList<>();
    for (SearchableBlock b : space.blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        Branch br = b.branches().get(i);
        for (int j = 1; j < br.kernelOptions().size(); j++) {
          out.add(new Level(b.index(), i, "kernel", br.kernelOptions().get(j)));
        }
        for (int e : br.expansionOptions()) {
          if (e > 0) { // a zero option (the branch off) has no channel group of its own (BranchSuperkernel)
            out.add(new Level(b.index(), i, "expansion", e));
          }
        }
      }
    }
    return out;
  }

  /** A pass's norms and margins in {@link #levels} order. */
  static Snapshot flatten(long step, SupernetDecisions.Pass p) {
    int n = 0;
    for (List<BranchSuperkernel.Forward> bs : p.branches()) {
      for (BranchSuperkernel.Forward f : bs) {
        n += f.ringNorm().length - 1 + f.groupNorm().length;
      }
    }
    double[] norm = new double[n];
    double[] margin = new double[n];
    int k = 0;
    for (List<BranchSuperkernel.Forward> bs : p.branches()) {
      for (BranchSuperkernel.Forward f : bs) {
        for (int j = 1; j < f.ringNorm().length; j++, k++) {
          norm[k] = f.ringNorm()[j];
          margin[k] = f.xk()[j];
        }
        for (int j = 0; j < f.groupNorm().length; j++, k++) {
          norm[k] = f.groupNorm()[j];
          margin[k] = f.xc()[j];
        }
      }
    }
    return new Snapshot(step, norm, margin);
  }

  /**
   * Keeps, while a search runs, the norms of the steps the derivation may read besides the last: the
   * latest search step within 2% below the final target and the latest within it (the candidates of
   * {@link SinglePathSearch#withinTarget}). Two snapshots instead of every step's norms keep a
   * checkpoint's log small on searches of thousands of steps; they travel in the checkpoint, so a
   * resumed search derives with the same evidence.
   */
  static final class Tracker {
    private static final String BAND_COLUMN = "derivation.snapshot.band";
    private static final String BELOW_COLUMN = "derivation.snapshot.below";
    private final NetworkLatency latency;
    private final double target;
    private Snapshot band;
    private Snapshot below;

    Tracker(NetworkLatency latency, double target) {
      this.latency = latency;
      this.target = target;
    }

    void observe(long step, int[] choice, SupernetDecisions.Pass p) {
      double ms = latency.estimate(choice);
      if (ms > target) {
        return;
      }
      Snapshot s = flatten(step, p);
      below = s;
      if (ms >= (1 - SinglePathSearch.TARGET_TOLERANCE) * target) {
        band = s;
      }
    }

    /** The kept norms of {@code step}, if it is one of the snapshots. */
    Optional<Snapshot> at(long step) {
      for (Snapshot s : new Snapshot[] {band, below}) {
        if (s != null && s.step() == step) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }

    void save(Map<String, double[]> cols) {
      if (band != null) {
        cols.put(BAND_COLUMN, band.column());
      }
      if (below != null) {
        cols.put(BELOW_COLUMN, below.column());
      }
    }

    /** Restores the snapshots a checkpoint kept (none in checkpoints from before they were). */
    void restore(TensorArchive a) {
      band = a.doubles().containsKey("log:" + BAND_COLUMN) ? Snapshot.of(RunCheckpoints.column(a, BAND_COLUMN)) : null;
      below = a.doubles().containsKey("log:" + BELOW_COLUMN) ? Snapshot.of(RunCheckpoints.column(a, BELOW_COLUMN))
          : null;
    }
  }

  void save(Map<String, double[]> cols) {
    cols.put(STEP, new double[] {step});
    cols.put(RULE, new double[] {RULES.indexOf(rule)});
    cols.put(NORMS, norms);
    cols.put(MARGINS, margins);
    cols.put(READ, Arrays.stream(read).asDoubleStream().toArray());
    cols.put(DERIVED, Arrays.stream(derived).asDoubleStream().toArray());
  }

  /** The derivation a supernet checkpoint records (none in checkpoints before the search's end, or from before it was kept). */
  public static Optional<Derivation> read(TensorArchive a) {
    if (a == null || !a.doubles().containsKey("log:" + STEP)) {
      return Optional.empty();
    }
    int rule = (int) RunCheckpoints.column(a, RULE)[0];
    return Optional.of(new Derivation((long) RunCheckpoints.column(a, STEP)[0],
        rule >= 0 && rule < RULES.size() ? RULES.get(rule) : "unknown", RunCheckpoints.column(a, NORMS),
        RunCheckpoints.column(a, MARGINS), ints(RunCheckpoints.column(a, READ)),
        ints(RunCheckpoints.column(a, DERIVED))));
  }

  /** Whether the norms of the derivation step were kept. */
  public boolean hasNorms() {
    return norms.length > 0 && !Double.isNaN(norms[0]);
  }

  /** The levels, with their norm and margin at the derivation step. */
  public Map<Level, double[]> byLevel(SearchSpace space) {
    return byLevel(space, norms, margins);
  }

  /** The levels, with their norm and margin in pass {@code p}. */
  public static Map<Level, double[]> byLevel(SearchSpace space, SupernetDecisions.Pass p) {
    Snapshot s = flatten(0, p);
    return byLevel(space, s.norms(), s.margins());
  }

  private static Map<Level, double[]> byLevel(SearchSpace space, double[] norms, double[] margins) {
    Map<Level, double[]> m = new LinkedHashMap<>();
    List<Level> levels = levels(space);
    for (int k = 0; k < levels.size() && k < norms.length; k++) {
      m.put(levels.get(k), new double[] {norms[k], margins[k]});
    }
    return m;
  }

  private static int[] ints(double[] d) {
    int[] r = new int[d.length];
    for (int i = 0; i < d.length; i++) {
      r[i] = (int) d[i];
    }
    return r;
  }
}
