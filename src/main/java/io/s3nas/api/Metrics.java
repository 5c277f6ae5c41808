package io.s3nas.api;

import io.s3nas.actors.SearchSupervisor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The searches' statuses in Prometheus' text exposition format (version 0.0.4): how many searches
 * are in each state, and per search its stage, step, loss and estimated latency, so a long
 * deployment can be graphed and alerted on (a search stuck in a stage, a loss that diverges).
 */
public final class Metrics {
  private Metrics() {}

  public static String render(List<SearchSupervisor.Status> statuses) {
    StringBuilder sb = new StringBuilder();
    Map<String, Integer> byState = new TreeMap<>(Map.of("running", 0, "paused", 0, "completed", 0, "failed", 0,
        "cancelled", 0));
    for (SearchSupervisor.Status s : statuses) {
      byState.merge(state(s), 1, Integer::sum);
    }
    header(sb, "s3nas_searches", "Searches in the journal, by state.");
    byState.forEach((k, v) -> sb.append("s3nas_searches{state=\"").append(escape(k)).append("\"} ").append(v)
        .append('\n'));
    header(sb, "s3nas_search_info", "One series per search: its state and current stage.");
    for (SearchSupervisor.Status s : statuses) {
      sb.append("s3nas_search_info{search_id=\"").append(escape(s.searchId())).append("\",state=\"")
          .append(escape(state(s))).append("\",stage=\"").append(escape(stage(s))).append("\"} 1\n");
    }
    gauge(sb, statuses, "s3nas_search_step", "Last recorded step of the search's current stage.",
        SearchSupervisor.Status::step);
    gauge(sb, statuses, "s3nas_search_total_steps", "Steps of the search's current stage.",
        SearchSupervisor.Status::totalSteps);
    gauge(sb, statuses, "s3nas_search_loss", "Training loss at the last recorded step.",
        SearchSupervisor.Status::lastLoss);
    gauge(sb, statuses, "s3nas_search_estimated_latency_ms",
        "Supernet's expected latency at the last recorded step (ms).", SearchSupervisor.Status::lastExpectedMs);
    cost(sb, statuses);
    return sb.toString();
  }

  /** Every search's cost ledger as counters, per stage (docs/design.md, "Cost ledger"). */
  private static void cost(StringBuilder sb, List<SearchSupervisor.Status> statuses) {
    String[][] series = {
        {"s3nas_search_cpu_seconds_total", "CPU seconds of the processes that ran the stage, as recorded."},
        {"s3nas_search_wall_seconds_total", "Wall seconds the stage ran, as recorded."},
        {"s3nas_search_replayed_steps_total", "Training steps the stage trained a second time after a restart."}};
    for (int k = 0; k < series.length; k++) {
      sb.append("# HELP ").append(series[k][0]).append(' ').append(series[k][1]).append('\n')
          .append("# TYPE ").append(series[k][0]).append(" counter\n");
      for (SearchSupervisor.Status s : statuses) {
        for (Map.Entry<String, io.s3nas.actors.CostLedger.StageCost> e : new TreeMap<>(s.cost().stages()).entrySet()) {
          io.s3nas.actors.CostLedger.StageCost c = e.getValue();
          // milliseconds are the ledger's resolution (no 135.51999999999998)
          double v = k == 2 ? c.replayedSteps() : Math.round((k == 0 ? c.cpuSeconds() : c.wallSeconds()) * 1000) / 1000.0;
          sb.append(series[k][0]).append("{search_id=\"").append(escape(s.searchId())).append("\",stage=\"")
              .append(escape(e.getKey())).append("\"} ").append(number(v)).append('\n');
        }
      }
    }
  }

  /** One series per running search; a value a stage does not record (NaN) is left out. */
  private static void gauge(StringBuilder sb, List<SearchSupervisor.Status> statuses, String name, String help,
                            ToDoubleFunction<SearchSupervisor.Status> value) {
    header(sb, name, help);
    for (SearchSupervisor.Status s : statuses) {
      if (!"running".equals(s.state())) {
        continue;
      }
      double v = value.applyAsDouble(s);
      if (Double.isNaN(v)) {
        continue;
      }
      sb.append(name).append("{search_id=\"").append(escape(s.searchId())).append("\",stage=\"")
          .append(escape(stage(s))).append("\"} ").append(number(v)).append('\n');
    }
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
  }

  /**
   * A cluster node's series (docs/cluster.md): members by status, and one series per running search
   * naming the node that hosts it; {@code view} is {@link SearchGateway#cluster}'s answer.
   */
  @SuppressWarnings("unchecked")
  public static String renderCluster(Map<String, Object> view) {
    StringBuilder sb = new StringBuilder();
    Map<String, Integer> byStatus = new TreeMap<>();
    for (Map<String, Object> m : (List<Map<String, Object>>) view.get("members")) {
      byStatus.merge(String.valueOf(m.get("status")), 1, Integer::sum);
    }
    header(sb, "s3nas_cluster_members", "Cluster members as this node sees them, by status.");
    byStatus.forEach((k, v) -> sb.append("s3nas_cluster_members{status=\"").append(escape(k)).append("\"} ").append(v)
        .append('\n'));
    header(sb, "s3nas_search_node", "One series per running search: the node that hosts it.");
    ((Map<String, Object>) view.get("searches")).forEach((id, node) -> sb.append("s3nas_search_node{search=\"")
        .append(escape(id)).append("\",node=\"").append(escape(String.valueOf(node))).append("\"} 1\n"));
    return sb.toString();
  }

  private static void header(StringBuilder sb, String name, String help) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static String state(SearchSupervisor.Status s) {
    return s.paused() && "running".equals(s.state()) ? "paused" : s.state();
  }

  private static String stage(SearchSupervisor.Status s) {
    return s.stage() == null ? "" : s.stage().name().toLowerCase(Locale.ROOT);
  }

  /** Label values escape backslash, double quote and line feed (the exposition format's rule). */
  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
