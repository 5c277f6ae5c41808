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
   * Where in the source a fork starts: the end of its warm-up (the fork trains its own search phase),
   * a later supernet checkpoint (the event that recorded it: the fork continues the search phase from
   * there, with thresholds already pulled towards the source's target), or its derived architecture
   * (no supernet training: the fork scales that architecture to its budget).
   */
  public record At(Kind kind, long eventSeq) {
    public enum Kind { WARMUP_END, EVENT, DERIVED }

    public static final At WARMUP_END = new At(Kind.WARMUP_END, 0);
    public static final At DERIVED = new At(Kind.DERIVED, 0);

    /** {@code warmup-end}, {@code derived} or an event sequence number, as {@code --at} and the HTTP API spell it. */
    public static At parse(String option, String v) {
      String s = v == null ? "warmup-end" : v.strip();
      if (s.equals("warmup-end")) {
        return WARMUP_END;
      }
      if (s.equals("derived")) {
        return DERIVED;
      }
      try {
        long seq = Long.parseLong(s);
        if (seq >= 1) {
          return new At(Kind.EVENT, seq);
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      throw new InvalidInputException(option, null, "warmup-end, derived, or the sequence number (from 1) of an "
          + "event of the source that recorded a supernet checkpoint, got '" + v + "'");
    }

    /** As {@link #parse} reads it. */
    public String spelling() {
      return switch (kind) {
        case WARMUP_END -> "warmup-end";
        case DERIVED -> "derived";
        case EVENT -> Long.toString(eventSeq);
      };
    }
  }

  /**
   * What a fork may change: the budget and the search target (in ms or as positions in the
   * supernet's latency range) and the platform; null keeps the source's. {@code at}: where it starts.
   */
  public record Changes(Double budgetMs, Double budgetFraction, Double targetMs, Double targetFraction, String hardware,
                        At at) {
    public Changes(Double budgetMs, Double budgetFraction, Double targetMs, Double targetFraction, String hardware) {
      this(budgetMs, budgetFraction, targetMs, targetFraction, hardware, At.WARMUP_END);
    }

    public Changes {
      at = at == null ? At.WARMUP_END : at;
    }

    boolean none() {
      return budgetMs == null && budgetFraction == null && targetMs == null && targetFraction == null && hardware == null;
    }
  }

  /** A fork ready to submit: where it starts, and its spec. */
  public record Plan(ForkOrigin origin, SearchSpec spec) {}

  /**
   * The fork of {@code sourceId} that {@code changes} asks for, from the source's journal
   * ({@code events}) and the checkpoints under {@code dataDir}: the one place the CLI, the sweep
   * and the HTTP API find where a fork starts.
   */
  public static Plan plan(String sourceId, List<SearchSupervisor.Event> events, java.nio.file.Path dataDir,
                          Changes changes) {
    CheckpointStore store = new CheckpointStore(dataDir.resolve("checkpoints"));
    SearchSpec source = submission(sourceId, events).spec();
    if (changes.at().kind() == At.Kind.WARMUP_END) {
      return new Plan(origin(sourceId, events, store), spec(source, changes));
    }
    if (changes.at().kind() == At.Kind.EVENT) {
      return new Plan(eventOrigin(sourceId, events, store, changes.at().eventSeq()), spec(source, changes));
    }
    if (changes.hardware() != null || changes.targetMs() != null || changes.targetFraction() != null) {
      throw new InvalidInputException("--at", null, "only a new budget with --at derived (the architecture was "
          + "searched for the source's target on its platform); fork at warmup-end to search again");
    }
    if (changes.budgetMs() == null && changes.budgetFraction() == null) {
      throw new InvalidInputException("--budget-ms", null, "a new budget to scale the source's architecture to");
    }
    ForkOrigin origin = derivedOrigin(sourceId, events);
    // the target the architecture was searched at, in ms: the fork keeps it (its reports say so)
    double target = events.stream().filter(SearchSupervisor.LatencyTableReady.class::isInstance)
        .map(SearchSupervisor.LatencyTableReady.class::cast).mapToDouble(SearchSupervisor.LatencyTableReady::targetMs)
        .filter(t -> t > 0).findFirst().orElse(origin.sourceSpec().searchTargetMs());
    if (changes.budgetMs() != null && target > changes.budgetMs()) {
      throw new InvalidInputException("--budget-ms", null, String.format(java.util.Locale.ROOT, "a budget at least the "
          + "%.4f ms the source's architecture was searched at, for --at derived; fork at warmup-end to search for a "
          + "lower one", target));
    }
    SearchSpec spec = spec(source, new Changes(changes.budgetMs(), changes.budgetFraction(), target > 0 ? target : null,
        null, null));
    return new Plan(origin, spec);
  }

  /** The supernet checkpoint that event {@code seq} of {@code sourceId} recorded. */
  static ForkOrigin eventOrigin(String sourceId, List<SearchSupervisor.Event> events, CheckpointStore store, long seq) {
    SearchSupervisor.SearchSubmitted sub = submission(sourceId, events);
    if (sub.forkedFrom() != null && sub.forkedFrom().derived()) {
      throw new InvalidInputException("SOURCE", null, "a search that trained a supernet: '" + sourceId + "' scaled the "
          + "architecture of '" + sub.forkedFrom().searchId() + "'");
    }
    SearchSupervisor.Event e = seq <= events.size() ? events.get((int) seq - 1) : null;
    if (!(e instanceof SearchSupervisor.SupernetProgress p) || p.checkpointRef() == null) {
      throw new InvalidInputException("--at", null, "an event of '" + sourceId + "' that recorded a supernet checkpoint "
          + "(SupernetProgress); event " + seq + " is " + (e == null ? "not in its journal (" + events.size()
              + " events)" : e.getClass().getSimpleName()));
    }
    if (!store.contains(p.checkpointRef())) {
      throw new InvalidInputException("--at", null, "a checkpoint still kept; event " + seq + "'s was pruned "
          + "(checkpoint-keep keeps the newest few, and the warm-up end: --at warmup-end)");
    }
    return new ForkOrigin(sourceId, seq, p.checkpointRef(), sub.spec(), p.step());
  }

  /**
   * The derived architecture of {@code sourceId} and the journal event that recorded it; a fork of
   * such a fork starts where its source did.
   */
  static ForkOrigin derivedOrigin(String sourceId, List<SearchSupervisor.Event> events) {
    SearchSupervisor.SearchSubmitted sub = submission(sourceId, events);
    if (sub.forkedFrom() != null && sub.forkedFrom().derived()) {
      return sub.forkedFrom();
    }
    String lastCheckpoint = null;
    long lastStep = 0;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i) instanceof SearchSupervisor.SupernetProgress p) {
        lastCheckpoint = p.checkpointRef();
        lastStep = p.step();
      } else if (events.get(i) instanceof SearchSupervisor.ArchitectureDerived d) {
        return new ForkOrigin(sourceId, i + 1, lastCheckpoint, sub.spec(), lastStep, d.modelJson());
      }
    }
    throw new InvalidInputException("SOURCE", null, "a search past its supernet stage for --at derived: '" + sourceId
        + "' has not derived an architecture yet");
  }

  /**
   * The warm-up end of {@code sourceId}: the checkpoint its supernet pinned there, and the journal
   * event that recorded it; a fork of a fork starts where its source did.
   */
  public static ForkOrigin origin(String sourceId, List<SearchSupervisor.Event> events, CheckpointStore store) {
    SearchSupervisor.SearchSubmitted sub = submission(sourceId, events);
    if (sub.forkedFrom() != null && sub.forkedFrom().derived()) {
      throw new InvalidInputException("SOURCE", null, "a search that trained a supernet: '" + sourceId + "' scaled the "
          + "architecture of '" + sub.forkedFrom().searchId() + "' (fork that one at warmup-end)");
    }
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
