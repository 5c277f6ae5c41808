package io.s3nas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchReportTest {
  @TempDir Path tmp;

  static final DecisionTrace TRACE = new DecisionTrace(List.of("s1.1", "s1.2"),
      List.of(List.of("skip", "k3 e2", "k5 e4"), List.of("k3 e2", "k3,5 e4,4")),
      new double[][] {{0, 1, 3}, {1, 2}},
      new int[][] {{2, 1}, {2, 1}, {1, 1}, {0, 1}, {0, 0}}, 2);

  @Test
  void theDecisionChartShowsEveryBlockAtEveryStepAndItsFinalOutcome() {
    String svg = DecisionChart.svg(TRACE);
    assertEquals(10, count(svg, "<rect "), "a cell per block per step");
    assertTrue(svg.contains("step 5: skip (0.000 ms)"), "tooltips name the outcome held");
    assertTrue(svg.contains("fill=\"rgb(255,255,255)\""), "a skipped block is white");
    assertTrue(svg.contains("fill=\"rgb(40,40,255)\""), "the most expensive outcome is darkest");
    Matcher finals = Pattern.compile("<text x=\"[0-9.]+\" y=\"[0-9]+\">([^<]+)</text>").matcher(svg);
    List<String> labels = new java.util.ArrayList<>();
    while (finals.find()) {
      labels.add(finals.group(1));
    }
    assertEquals(List.of("s1.1", "skip", "s1.2", "k3 e2"), labels, "each row: name, final outcome");
    assertTrue(svg.contains("search begins (step 3)"));
  }

  @Test
  void longSearchesAreBucketedToAFixedWidth() {
    int[][] choices = new int[5000][];
    for (int t = 0; t < choices.length; t++) {
      choices[t] = new int[] {t < 4000 ? 2 : 0, 1};
    }
    String svg = DecisionChart.svg(new DecisionTrace(TRACE.blocks(), TRACE.outcomes(), TRACE.outcomeMs(), choices, 100));
    assertEquals(2 * DecisionChart.COLUMNS, count(svg, "<rect "));
    assertTrue(svg.contains("step 5000: skip"), "the last bucket shows the last step");
  }

  @Test
  void aTraceWithoutAChoicePerBlockIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new DecisionTrace(TRACE.blocks(), TRACE.outcomes(),
        TRACE.outcomeMs(), new int[][] {{0}}, 0));
  }

  @Test
  void theReportEmbedsTheChart() throws Exception {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("search_id", "r1");
    result.put("cost", Map.of("supernet", Map.of("wall_seconds", 96.5, "cpu_seconds", 181.25, "replayed_steps", 37L)));
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("policy", "gated");
    counts.put("scaling", Map.of("measured", 3, "measure_all", 4));
    counts.put("total", Map.of("measured", 4, "measure_all", 9));
    result.put("latency_measurements", counts);
    SearchReport.write(tmp, new SearchReport.Input(result, Map.of(), 5, 9, new double[] {1, 0.5},
        new double[] {9, 8}, new double[] {Double.NaN, 0.61}, TRACE, new double[] {2, 1.5},
        new double[] {Double.NaN, Double.NaN}, Map.of(), List.of()));
    String html = Files.readString(tmp.resolve("report.html"));
    assertTrue(html.contains("Each block's decision") && html.contains("<svg"), html);
    assertTrue(html.contains("report-supernet-validation.png") && Files.exists(tmp.resolve("report-supernet-validation.png")),
        "a validation curve where the supernet was evaluated");
    assertTrue(!html.contains("report-final-eval.png"), "no curve without an evaluation");
    assertTrue(html.contains("<h2>Cost</h2>") && html.contains("<td>supernet</td><td>96.5</td><td>181.3</td><td>37</td>"),
        "the cost ledger as a table");
    assertTrue(html.contains("<td>scaling</td><td>3</td><td>4</td>") && html.contains("<td>total</td><td>4</td><td>9</td>")
        && html.contains("Policy: gated"), "measurements made against the measure-everything policy's");
  }

  static int count(String s, String what) {
    return s.split(Pattern.quote(what), -1).length - 1;
  }

  @Test
  void aDriftCorrectedMeasurementShowsWhatTheClockSaid() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("budget_ms", 8.593);
    r.put("measured_latency_ms", 7.023);
    r.put("latency_measurements_raw_ms", List.of(9.609));
    r.put("machine_drift", List.of(1.368));
    r.put("within_budget", true);
    String html = Verdict.html(r, Map.of(), Map.of(), tmp);
    assertTrue(html.contains("9.609 ms on a machine running 1.37 &times; slower"), html);
    r.put("machine_drift", List.of(1.02));
    r.put("latency_measurements_raw_ms", List.of(7.164));
    assertFalse(Verdict.html(r, Map.of(), Map.of(), tmp).contains("on the clock"), "a drift within 5% adds nothing");
  }
}
