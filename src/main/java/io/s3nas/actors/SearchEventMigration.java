package io.s3nas.actors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * The schema history of the journal's events (configured per class in {@code application.conf},
 * {@code pekko.serialization.jackson.migrations}): every event is written with its version, and an
 * older row is brought up to date before it is read.
 *
 * <ul>
 *   <li>1 (before 2026-11-30): the spec without engine settings, budget and target fractions or run
 *       folder; {@code LatencyTableReady} without the resolved budget and target; {@code ScalingChosen}
 *       without its measurement; {@code PostProcessDecided} without the warm-start checkpoint.</li>
 *   <li>2: those fields. A version-1 row gets them explicitly as "not recorded": the budget and target
 *       0 (the spec's own are used), no measurement, no warm start (final training starts at step 0),
 *       settings absent (the defaults).</li>
 *   <li>3 (2026-11-30, evening): the spec's cost limits, the state's cost ledger, a submission's fork
 *       origin. An older row gets them as absent: the default limits, an empty ledger, no fork.</li>
 * </ul>
 *
 * A later change adds a version here, and a renamed event class maps its old name in
 * {@link #transformClassName}; docs/design.md ("Events") says how.
 */
public final class SearchEventMigration extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 3;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    if (fromVersion < 2 && json instanceof ObjectNode o) {
      if (o.has("tableRef") && !o.has("budgetMs")) {
        o.put("budgetMs", 0.0);
        o.put("targetMs", 0.0);
        o.putNull("uncertainty");
      }
      if (o.has("width") && o.has("resolution") && !o.has("measuredMs")) {
        o.putNull("measuredMs");
      }
      if (o.has("keptChanges") && !o.has("warmStartRef")) {
        o.putNull("warmStartRef");
      }
      if (o.has("stageStartedMillis") && !o.has("budgetMs") && o.get("spec") instanceof ObjectNode spec) {
        // a version-1 snapshot of a running search: the budget and target were the spec's, in ms
        double budget = spec.path("budgetMs").asDouble(0);
        double target = spec.path("searchTargetMs").asDouble(0);
        o.put("budgetMs", budget);
        o.put("targetMs", target > 0 ? target : budget);
        o.putNull("warmStartRef");
      }
      if (o.get("spec") instanceof ObjectNode spec) {
        spec.putIfAbsent("budgetFraction", spec.numberNode(0.0));
        spec.putIfAbsent("searchTargetFraction", spec.numberNode(0.0));
        spec.putIfAbsent("settings", spec.nullNode());
        spec.putIfAbsent("runDir", spec.nullNode());
      }
    }
    if (fromVersion < 3 && json instanceof ObjectNode o) {
      if (o.get("spec") instanceof ObjectNode spec) {
        spec.putIfAbsent("cost", spec.nullNode());
      }
      if (o.has("stageStartedMillis") || o.has("outcome")) { // a running or finished search's snapshot
        o.putIfAbsent("cost", o.nullNode());
        if (o.has("stageStartedMillis")) {
          o.putIfAbsent("forkedFrom", o.nullNode());
        }
      }
      if (o.has("spec") && o.has("atMillis") && !o.has("stageStartedMillis")) { // a submission
        o.putIfAbsent("forkedFrom", o.nullNode());
      }
    }
    return json;
  }
}
