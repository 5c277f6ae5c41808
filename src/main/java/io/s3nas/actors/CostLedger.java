package io.s3nas.actors;

import io.s3nas.actors.SearchSupervisor.CostIncurred;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a search has cost so far, folded from its {@link CostIncurred} events (docs/design.md, "Cost
 * ledger"): per stage the wall and CPU seconds its processes spent on it, and the training steps it
 * trained twice. Each event covers steps (fromStep, toStep] of its stage; a stretch that starts below
 * the highest step the stage had already reached — it restarted from a checkpoint after a crash, a
 * pause or a failure — trained the overlap a second time.
 *
 * @param stages per stage name (lower case, in the pipeline's order), its cost
 * @param limitReached whether {@code max-cpu-hours} has paused the search (it pauses once)
 */
public record CostLedger(Map<String, StageCost> stages, boolean limitReached) implements CborSerializable {
  /** One stage's cost; {@code stepReached} is the highest training step it has reached. */
  public record StageCost(double wallSeconds, double cpuSeconds, long replayedSteps, long stepReached)
      implements CborSerializable {}

  public CostLedger {
    stages = stages == null ? Map.of() : Map.copyOf(stages);
  }

  public static final CostLedger EMPTY = new CostLedger(Map.of(), false);

  /** The ledger after one stretch of work. */
  public CostLedger add(CostIncurred e) {
    String key = e.stage().name().toLowerCase(Locale.ROOT);
    StageCost was = stages.getOrDefault(key, new StageCost(0, 0, 0, 0));
    long replayed = Math.max(0, Math.min(e.toStep(), was.stepReached()) - e.fromStep());
    Map<String, StageCost> next = new LinkedHashMap<>(stages);
    next.put(key, new StageCost(was.wallSeconds() + e.wallSeconds(), was.cpuSeconds() + e.cpuSeconds(),
        was.replayedSteps() + replayed, Math.max(was.stepReached(), e.toStep())));
    return new CostLedger(next, limitReached);
  }

  public CostLedger withLimitReached() {
    return new CostLedger(stages, true);
  }

  public double cpuSeconds() {
    return stages.values().stream().mapToDouble(StageCost::cpuSeconds).sum();
  }

  /**
   * As result.json's {@code cost}: per stage in the pipeline's order {@code wall_seconds},
   * {@code cpu_seconds}, {@code replayed_steps}, then their {@code total}; {@code running} adds the
   * stretch of the stage that is writing the result (not yet in the journal), null for none.
   */
  public Map<String, Map<String, Object>> json(Stage running, double wallSeconds, double cpuSeconds) {
    CostLedger all = running == null ? this
        : add(new CostIncurred(running, wallSeconds, cpuSeconds, 0, 0, System.currentTimeMillis()));
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    double wall = 0;
    double cpu = 0;
    long replayed = 0;
    for (Stage s : Stage.values()) {
      StageCost c = all.stages.get(s.name().toLowerCase(Locale.ROOT));
      if (c != null) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("wall_seconds", round(c.wallSeconds()));
        m.put("cpu_seconds", round(c.cpuSeconds()));
        m.put("replayed_steps", c.replayedSteps());
        out.put(s.name().toLowerCase(Locale.ROOT), m);
        wall += c.wallSeconds();
        cpu += c.cpuSeconds();
        replayed += c.replayedSteps();
      }
    }
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("wall_seconds", round(wall));
    total.put("cpu_seconds", round(cpu));
    total.put("replayed_steps", replayed);
    out.put("total", total);
    return out;
  }

  private static double round(double x) {
    return Math.round(x * 1000) / 1000.0;
  }
}
