package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.s3nas.actors.SearchSupervisor.CostIncurred;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fold of a search's cost events: sums per stage, steps trained twice after a restart, the total. */
class CostLedgerTest {
  static CostIncurred stretch(Stage s, double wall, double cpu, long from, long to) {
    return new CostIncurred(s, wall, cpu, from, to, 0);
  }

  @Test
  void aStretchThatStartsBelowTheStepAlreadyReachedTrainedTheOverlapTwice() {
    CostLedger l = CostLedger.EMPTY
        .add(stretch(Stage.SUPERNET, 10, 19, 0, 100))     // checkpoint at 100
        .add(stretch(Stage.SUPERNET, 3, 5.5, 100, 137))   // the process dies at 137
        .add(stretch(Stage.SUPERNET, 8, 15, 100, 200))    // restarted from the checkpoint at 100
        .add(stretch(Stage.SUPERNET, 1, 2, 200, 210));
    CostLedger.StageCost c = l.stages().get("supernet");
    assertEquals(37, c.replayedSteps());
    assertEquals(210, c.stepReached());
    assertEquals(22, c.wallSeconds(), 1e-9);
    assertEquals(41.5, c.cpuSeconds(), 1e-9);
  }

  @Test
  void aStageWithoutStepsReplaysNothingAndTheJsonAddsTheRunningStretchAndATotal() {
    CostLedger l = CostLedger.EMPTY.add(stretch(Stage.LATENCY_TABLE, 30, 55, 0, 0))
        .add(stretch(Stage.LATENCY_TABLE, 4, 6, 0, 0))
        .add(stretch(Stage.SUPERNET, 90, 170, 0, 300));
    Map<String, Map<String, Object>> json = l.json(Stage.EXPORT, 2, 3);
    assertEquals(java.util.List.of("latency_table", "supernet", "export", "total"), java.util.List.copyOf(json.keySet()));
    assertEquals(0L, json.get("latency_table").get("replayed_steps"));
    assertEquals(61.0, json.get("latency_table").get("cpu_seconds"));
    assertEquals(126.0, json.get("total").get("wall_seconds"));
    assertEquals(234.0, json.get("total").get("cpu_seconds"));
    assertEquals(234.0, l.cpuSeconds() + 3, 1e-9); // the export's stretch is not in the ledger itself
  }
}
