package io.s3nas.actors;

import io.s3nas.actors.SearchSupervisor.ArchitectureDerived;
import io.s3nas.actors.SearchSupervisor.CostIncurred;
import io.s3nas.actors.SearchSupervisor.CostLimitReached;
import io.s3nas.actors.SearchSupervisor.Empty;
import io.s3nas.actors.SearchSupervisor.Event;
import io.s3nas.actors.SearchSupervisor.FinalTrainingProgress;
import io.s3nas.actors.SearchSupervisor.Finished;
import io.s3nas.actors.SearchSupervisor.LatencyTableReady;
import io.s3nas.actors.SearchSupervisor.PostProcessDecided;
import io.s3nas.actors.SearchSupervisor.Running;
import io.s3nas.actors.SearchSupervisor.ScalingChosen;
import io.s3nas.actors.SearchSupervisor.SearchCancelled;
import io.s3nas.actors.SearchSupervisor.SearchCompleted;
import io.s3nas.actors.SearchSupervisor.SearchFailed;
import io.s3nas.actors.SearchSupervisor.SearchPaused;
import io.s3nas.actors.SearchSupervisor.SearchResumed;
import io.s3nas.actors.SearchSupervisor.SearchSubmitted;
import io.s3nas.actors.SearchSupervisor.SearchSuspended;
import io.s3nas.actors.SearchSupervisor.State;
import io.s3nas.actors.SearchSupervisor.Status;
import io.s3nas.actors.SearchSupervisor.SupernetProgress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a search's events fold into its state, and the status a state reports (docs/design.md,
 * "Events"): the one fold the entity's recovery, its event handler and every journal reader
 * ({@link SearchJournal}, {@code list}, {@code status}, the HTTP API) share. The state records stay
 * in {@link SearchSupervisor}, whose class names the journal's snapshots carry; the transitions
 * live here.
 */
public final class SearchStates {
  private SearchStates() {}

  /** The state after an event. */
  public static State apply(State s, Event e) {
    if (s instanceof Empty) {
      return e instanceof SearchSubmitted sub ? start(sub.spec(), sub.atMillis(), sub.forkedFrom()) : s;
    } else if (s instanceof Running r) {
      return apply(r, e);
    }
    return s;
  }

  /** The status a state reports. */
  public static Status status(String searchId, State s) {
    if (s instanceof Running r) {
      return new Status(searchId, "running", r.stage(), r.paused(), r.step(), r.totalSteps(), r.lastLoss(),
          r.lastExpectedMs(), r.architecture(), r.checkpointRef(), r.pausedReason(), r.budgetMs(), r.targetMs(), r.cost());
    } else if (s instanceof Finished f) {
      return new Status(searchId, f.outcome(), Stage.DONE, false, 0, 0, Double.NaN, Double.NaN, f.architecture(), null,
          f.detail(), 0, 0, f.cost());
    }
    return new Status(searchId, "none", null, false, 0, 0, Double.NaN, Double.NaN, List.of(), null, null, 0, 0, null);
  }

  static Running start(SearchSpec spec, long at, ForkOrigin forkedFrom) {
    return new Running(spec, Stage.LATENCY_TABLE, false, 0, 0, Double.NaN, Double.NaN, List.of(), null, null, at,
        Map.of(), spec.budgetMs(), spec.searchTargetMs(), null, null, CostLedger.EMPTY, forkedFrom);
  }

  private static State apply(Running r, Event e) {
    if (e instanceof LatencyTableReady l) {
      return withLatency(advance(r, Stage.SUPERNET, r.architecture(), r.modelJson(), l.maxMs(), l.atMillis()),
          l.budgetMs(), l.targetMs());
    } else if (e instanceof SupernetProgress p) {
      return progress(r, Stage.SUPERNET, p.step(), p.totalSteps(), p.loss(), p.expectedMs(), p.checkpointRef());
    } else if (e instanceof ArchitectureDerived d) {
      return advance(r, Stage.SCALING, d.blockStrings(), d.modelJson(), d.estimatedMs(), d.atMillis());
    } else if (e instanceof ScalingChosen sc) {
      return advance(r, Stage.POST_PROCESSING, sc.blockStrings(), sc.modelJson(), sc.estimatedMs(), sc.atMillis());
    } else if (e instanceof PostProcessDecided pp) {
      return withWarmStart(advance(r, Stage.FINAL_TRAINING, pp.blockStrings(), pp.modelJson(), pp.estimatedMs(),
          pp.atMillis()), pp.warmStartRef());
    } else if (e instanceof FinalTrainingProgress f) {
      if (f.step() >= f.totalSteps()) {
        // the last step's report moves the search on to export
        return progress(advance(r, Stage.EXPORT, r.architecture(), r.modelJson(), r.lastExpectedMs(), f.atMillis()),
            Stage.EXPORT, f.step(), f.totalSteps(), f.loss(), r.lastExpectedMs(), f.checkpointRef());
      }
      return progress(r, Stage.FINAL_TRAINING, f.step(), f.totalSteps(), f.loss(), r.lastExpectedMs(),
          f.checkpointRef());
    } else if (e instanceof SearchCompleted c) {
      return new Finished(r.spec(), "completed", r.architecture(), c.resultJson(), r.cost());
    } else if (e instanceof SearchFailed f) {
      return new Finished(r.spec(), "failed", r.architecture(), f.stage() + ": " + f.reason(), r.cost());
    } else if (e instanceof SearchCancelled c) {
      return new Finished(r.spec(), "cancelled", r.architecture(), c.reason(), r.cost());
    } else if (e instanceof SearchPaused) {
      return paused(r, true, null);
    } else if (e instanceof SearchSuspended x) {
      return paused(r, true, x.stage() + " could not write: " + x.reason());
    } else if (e instanceof SearchResumed) {
      return paused(r, false, null);
    } else if (e instanceof CostIncurred c) {
      return withCost(r, r.cost().add(c));
    } else if (e instanceof CostLimitReached l) {
      return paused(withCost(r, r.cost().withLimitReached()), true, String.format(Locale.ROOT,
          "max-cpu-hours reached: %.3f CPU hours used, the limit is %.3f", l.cpuSeconds() / 3600, l.limitSeconds() / 3600));
    }
    return r;
  }

  private static Running progress(Running r, Stage s, long st, long total, double loss, double ms, String ref) {
    return new Running(r.spec(), s, r.paused(), st, total, loss, ms, r.architecture(), r.modelJson(), ref,
        r.stageStartedMillis(), r.stageSeconds(), r.budgetMs(), r.targetMs(), r.warmStartRef(), r.pausedReason(),
        r.cost(), r.forkedFrom());
  }

  /** The next stage starts at {@code at}; the wall time of the one that ended is recorded. */
  private static Running advance(Running r, Stage next, List<List<String>> arch, String json, double ms, long at) {
    Map<String, Double> secs = new LinkedHashMap<>(r.stageSeconds());
    secs.put(r.stage().name().toLowerCase(Locale.ROOT), (at - r.stageStartedMillis()) / 1000.0);
    return new Running(r.spec(), next, r.paused(), 0, 0, Double.NaN, ms, arch, json, null, at, secs, r.budgetMs(),
        r.targetMs(), r.warmStartRef(), r.pausedReason(), r.cost(), r.forkedFrom());
  }

  /** Paused ({@code reason}: why the machine suspended it; null for a user's pause), or resumed. */
  private static Running paused(Running r, boolean p, String reason) {
    return new Running(r.spec(), r.stage(), p, r.step(), r.totalSteps(), r.lastLoss(), r.lastExpectedMs(),
        r.architecture(), r.modelJson(), r.checkpointRef(), r.stageStartedMillis(), r.stageSeconds(), r.budgetMs(),
        r.targetMs(), r.warmStartRef(), p ? reason : null, r.cost(), r.forkedFrom());
  }

  private static Running withLatency(Running r, double budget, double target) {
    return new Running(r.spec(), r.stage(), r.paused(), r.step(), r.totalSteps(), r.lastLoss(), r.lastExpectedMs(),
        r.architecture(), r.modelJson(), r.checkpointRef(), r.stageStartedMillis(), r.stageSeconds(),
        budget > 0 ? budget : r.spec().budgetMs(), target > 0 ? target : r.spec().searchTargetMs(), r.warmStartRef(),
        r.pausedReason(), r.cost(), r.forkedFrom());
  }

  private static Running withWarmStart(Running r, String ref) {
    return new Running(r.spec(), r.stage(), r.paused(), r.step(), r.totalSteps(), r.lastLoss(), r.lastExpectedMs(),
        r.architecture(), r.modelJson(), r.checkpointRef(), r.stageStartedMillis(), r.stageSeconds(), r.budgetMs(),
        r.targetMs(), ref, r.pausedReason(), r.cost(), r.forkedFrom());
  }

  private static Running withCost(Running r, CostLedger cost) {
    return new Running(r.spec(), r.stage(), r.paused(), r.step(), r.totalSteps(), r.lastLoss(), r.lastExpectedMs(),
        r.architecture(), r.modelJson(), r.checkpointRef(), r.stageStartedMillis(), r.stageSeconds(), r.budgetMs(),
        r.targetMs(), r.warmStartRef(), r.pausedReason(), cost, r.forkedFrom());
  }
}
