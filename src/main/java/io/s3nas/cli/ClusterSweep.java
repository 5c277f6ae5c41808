package io.s3nas.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.s3nas.actors.Forks;
import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSpecs;
import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code s3nas sweep --cluster URL}: the sweep's searches run by the cluster, the forks in parallel
 * (docs/design.md, "Sweeps"). The first budget's search is submitted; each other budget is forked
 * from it over HTTP as soon as the fork point exists (the node answers 400 until the source has
 * passed it), so the cluster places the forks on its workers at once; then every search is followed
 * to its end. A sweep run again finds its searches submitted (409) and follows them.
 */
final class ClusterSweep {
  /** How often the node is asked. */
  static final long POLL_MILLIS = 1000;

  private ClusterSweep() {}

  /**
   * @param configText the sweep's config file
   * @param specs each budget's spec, the first the searched one
   * @return each search's run folder (from its status' report path), in the budgets' order
   */
  static List<Path> run(ClusterClient c, List<String> ids, List<SearchSpec> specs, String configText, Forks.At at,
                        PrintWriter out) throws InterruptedException, IOException {
    String first = ids.get(0);
    String text = configText + "\n# s3nas sweep: this budget\n" + overrides(specs.get(0));
    SearchSpec parsed = SearchSpecs.parse(text, "the sweep's first search");
    if (parsed.budgetMs() != specs.get(0).budgetMs() || parsed.searchTargetMs() != specs.get(0).searchTargetMs()) {
      throw new IllegalStateException("the first search's config does not say its budget: " + text);
    }
    submitted(first, c.post("api/searches?id=" + first, text), out);
    Set<String> pending = new LinkedHashSet<>(ids.subList(1, ids.size()));
    while (!pending.isEmpty()) {
      for (String id : List.copyOf(pending)) {
        SearchSpec s = specs.get(ids.indexOf(id));
        String q = String.format(Locale.ROOT, "api/searches/%s/fork?id=%s&budget_ms=%s&at=%s", first, id, s.budgetMs(),
            at.spelling());
        if (at == Forks.At.WARMUP_END && s.searchTargetMs() > 0) {
          q += String.format(Locale.ROOT, "&search_target_ms=%s", s.searchTargetMs());
        }
        ClusterClient.Answer a = c.post(q, "");
        if (a.status() == 400 && beforeForkPoint(c.status(first))) {
          continue; // the source has not reached the fork point yet
        }
        submitted(id, a, out);
        pending.remove(id);
      }
      if (!pending.isEmpty()) {
        Thread.sleep(POLL_MILLIS);
      }
    }
    // follow every search to its end
    Map<String, String> seen = new LinkedHashMap<>();
    List<Path> runs = new ArrayList<>();
    while (runs.size() < ids.size()) {
      runs.clear();
      for (String id : ids) {
        JsonNode st = c.status(id);
        String state = st == null ? "unknown" : st.path("state").asText();
        String where = state + ("running".equals(state) ? " (" + st.path("stage").asText() + ")" : "");
        if (!where.equals(seen.put(id, where))) {
          out.println(id + ": " + where);
          out.flush();
        }
        if ("failed".equals(state) || "cancelled".equals(state)) {
          throw new SweepFailed(id + " " + state + ": " + st.path("detail").asText());
        }
        if ("completed".equals(state) && !st.path("report").isMissingNode() && !st.path("report").isNull()) {
          runs.add(Path.of(st.path("report").asText()).getParent());
        }
      }
      if (runs.size() < ids.size()) {
        Thread.sleep(POLL_MILLIS);
      }
    }
    return runs;
  }

  /** A search of the sweep that did not complete: the sweep has no front to draw (exit 1). */
  static final class SweepFailed extends RuntimeException {
    SweepFailed(String message) {
      super(message);
    }
  }

  private static void submitted(String id, ClusterClient.Answer a, PrintWriter out) {
    if (a.status() == 202) {
      out.println("submitted " + id);
    } else if (a.status() == 409) {
      out.println(id + " was submitted before; following it");
    } else {
      throw new InvalidInputException("--cluster", null, "a node that takes " + id + "; it answered " + a.status()
          + ": " + a.error());
    }
    out.flush();
  }

  /** Whether the source is still before any fork point: submitted, timing its table, or training its supernet. */
  private static boolean beforeForkPoint(JsonNode source) {
    if (source == null) {
      return true; // not in the journal yet: the submission is still being persisted
    }
    String stage = source.path("stage").asText();
    return "running".equals(source.path("state").asText())
        && ("latency_table".equals(stage) || "supernet".equals(stage));
  }

  /** The config keys that make a config's search the given spec's budget and target. */
  static String overrides(SearchSpec s) {
    StringBuilder b = new StringBuilder();
    b.append(s.budgetMs() > 0 ? "budget-ms = " + s.budgetMs() : "budget-ms = null").append('\n');
    b.append(s.budgetFraction() > 0 ? "budget-fraction = " + s.budgetFraction() : "budget-fraction = null").append('\n');
    b.append(s.searchTargetMs() > 0 ? "search-target-ms = " + s.searchTargetMs() : "search-target-ms = null")
        .append('\n');
    b.append(s.searchTargetFraction() > 0 ? "search-target-fraction = " + s.searchTargetFraction()
        : "search-target-fraction = null").append('\n');
    return b.toString();
  }
}
