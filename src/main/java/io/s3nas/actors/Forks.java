package io.s3nas.actors;

import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.common.InvalidInputException;
import io.s3nas.search.SinglePathSearch;
import java.util.List;

/**
 * Forking a search (docs/design.md, "Forks"): where the fork starts, found in the source's journal
 * and checkpoint store, and the fork's spec. One service for the CLI ({@code s3nas fork}) and the HTTP
 * API. The source is only read.
 */
public final class Forks {
  private Forks() {}

  /**
   * What a fork may change: the budget and the search target (in ms or as positions in the
   * supernet's latency range) and the platform; null keeps the source's.
   */
  public record Changes(Double budgetMs, Double budgetFraction, Double targetMs, Double targetFraction, String hardware) {
    boolean none() {
      return budgetMs == null && budgetFraction == null && targetMs == null && targetFraction == null && hardware == null;
    }
  }

  /**
   * The warm-up end of {@code sourceId}: the checkpoint its supernet pinned there, and the journal
   * event that recorded it; a fork of a fork starts where its source did.
   */
  public static ForkOrigin origin(String sourceId, List<SearchSupervisor.Event> events, CheckpointStore store) {
    SearchSupervisor.SearchSubmitted sub = submission(sourceId, events);
    if (sub.forkedFrom() != null) {
      return sub.forkedFrom();
    }
    String ref = RunCheckpoints.pinned(store, sourceId + "-supernet", SinglePathSearch.WARMUP_END)
        .orElseThrow(() -> new InvalidInputException("SOURCE", null, "a search past its warm-up: '" + sourceId
            + "' has no checkpoint at the end of its warm-up (still warming up, or run before forks existed)"));
    long seq = 0;
    long step = 0;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof SearchSupervisor.SupernetProgress p && ref.equals(p.checkpointRef())) {
        seq = i + 1;
        step = p.step();
        break;
      }
    }
    if (seq == 0) {
      throw new InvalidInputException("SOURCE", null, "a search whose journal records its warm-up end; '" + sourceId
          + "' stopped between writing that checkpoint and recording it (resume it first)");
    }
    if (!store.contains(ref)) {
      throw new InvalidInputException(store.dir().resolve(ref + ".ckpt").toString(), null,
          "the warm-up checkpoint of '" + sourceId + "'; it is gone");
    }
    return new ForkOrigin(sourceId, seq, ref, sub.spec(), step);
  }

  /** The source's submission: its spec, and its own origin when it is a fork. */
  public static SearchSupervisor.SearchSubmitted submission(String sourceId, List<SearchSupervisor.Event> events) {
    return events.stream().filter(SearchSupervisor.SearchSubmitted.class::isInstance)
        .map(SearchSupervisor.SearchSubmitted.class::cast).findFirst()
        .orElseThrow(() -> new InvalidInputException("SOURCE", null, "a search in the journal; there is no '"
            + sourceId + "'"));
  }

  /**
   * The fork's spec: the source's, with the changes. A new budget without a target keeps the
   * source's reduction (target over budget, when both were given the same way), or searches at the
   * budget itself.
   */
  public static SearchSpec spec(SearchSpec source, Changes c) {
    if (c.none()) {
      throw new InvalidInputException("--budget-ms", null, "a budget, a search target or a platform other than the "
          + "source's (a fork with nothing changed is the source again)");
    }
    if (c.budgetMs() != null && c.budgetFraction() != null || c.targetMs() != null && c.targetFraction() != null) {
      throw new InvalidInputException("--budget-ms", null, "the budget and the target each in ms or as a fraction, "
          + "not both");
    }
    check("--budget-ms", c.budgetMs(), 1e6);
    check("--budget-fraction", c.budgetFraction(), 10);
    check("--search-target-ms", c.targetMs(), 1e6);
    check("--search-target-fraction", c.targetFraction(), 10);
    boolean newBudget = c.budgetMs() != null || c.budgetFraction() != null;
    double budgetMs = newBudget ? (c.budgetMs() != null ? c.budgetMs() : 0) : source.budgetMs();
    double budgetFraction = newBudget ? (c.budgetFraction() != null ? c.budgetFraction() : 0) : source.budgetFraction();
    double targetMs;
    double targetFraction;
    if (c.targetMs() != null || c.targetFraction() != null) {
      targetMs = c.targetMs() != null ? c.targetMs() : 0;
      targetFraction = c.targetFraction() != null ? c.targetFraction() : 0;
    } else if (!newBudget) {
      targetMs = source.searchTargetMs();
      targetFraction = source.searchTargetFraction();
    } else if (budgetMs > 0 && source.budgetMs() > 0 && source.searchTargetMs() > 0) {
      targetMs = budgetMs * source.searchTargetMs() / source.budgetMs();
      targetFraction = 0;
    } else if (budgetFraction > 0 && source.budgetFraction() > 0 && source.searchTargetFraction() > 0) {
      targetMs = 0;
      targetFraction = budgetFraction * source.searchTargetFraction() / source.budgetFraction();
    } else {
      targetMs = 0;
      targetFraction = 0; // the budget itself
    }
    if (budgetMs > 0 && targetMs > budgetMs || budgetFraction > 0 && targetFraction > budgetFraction) {
      throw new InvalidInputException(c.targetMs() != null ? "--search-target-ms" : "--search-target-fraction", null,
          "a target no higher than the budget");
    }
    return new SearchSpec(source.supernet(), source.dataset(), source.dataPath(),
        c.hardware() != null ? c.hardware() : source.hardware(), budgetMs, targetMs, source.warmupEpochs(),
        source.searchEpochs(), source.finalEpochs(), source.batch(), source.trainLimit(), source.seed(), budgetFraction,
        targetFraction, source.settings(), source.runDir(), source.cost());
  }

  private static void check(String option, Double v, double max) {
    if (v != null && !(v > 0 && v <= max)) {
      throw new InvalidInputException(option, null, "a positive number up to " + max + ", got " + v);
    }
  }
}
