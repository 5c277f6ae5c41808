package io.s3nas.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The report's "Why each block" section from the run's {@code explain.json} (docs/design.md,
 * "Explain"): per block of the final network, where it comes from, what the supernet chose against
 * its alternatives' latency, and when that decision last changed.
 */
final class ExplainTable {
  private ExplainTable() {}

  /** Which step's decisions the search derived from, by which rule, and the blocks the slack filled. */
  private static String derivation(JsonNode d) {
    StringBuilder filled = new StringBuilder();
    for (JsonNode f : d.path("filled")) {
      filled.append(filled.length() == 0 ? "" : ", ").append("block ").append(f.path("supernet_block").asInt())
          .append(' ').append(SearchReport.esc(f.path("from").asText())).append(" → ")
          .append(SearchReport.esc(f.path("to").asText()));
    }
    return "<p id=\"derivation\">Derived from the decisions of step " + d.path("step").asLong() + " of "
        + d.path("steps").asInt() + " (" + SearchReport.esc(d.path("rule").asText()) + ")"
        + (filled.length() > 0 ? "; the slack below the target filled: " + filled : "") + ".</p>";
  }

  static String html(Path explainJson) {
    if (!Files.exists(explainJson)) {
      return "";
    }
    JsonNode x;
    try {
      x = new ObjectMapper().readTree(explainJson.toFile());
    } catch (IOException e) {
      return "";
    }
    StringBuilder h = new StringBuilder("<h2>Why each block</h2><p>From <code>explain.json</code> "
        + "(<code>s3nas explain ID</code>): the supernet block each block comes from, its outcome (bold) among the "
        + "alternatives with their latency on the platform, and the step the decision last changed.</p>");
    for (JsonNode d : x.path("decisions")) {
      if (d.path("kind").asText().equals("derivation")) {
        h.append(derivation(d));
      }
    }
    h.append("<table id=\"explain\"><tr><th>block</th><th>stage</th><th>block string</th><th>from</th>"
        + "<th>alternatives, ms</th><th>last changed</th></tr>");
    for (JsonNode b : x.path("blocks")) {
      JsonNode ev = b.path("evidence");
      JsonNode sn = ev.path("supernet");
      h.append("<tr><td>").append(b.path("block").asInt()).append("</td><td>").append(b.path("stage").asInt())
          .append("</td><td><code>").append(SearchReport.esc(b.path("block_string").asText())).append("</code></td><td>");
      if (sn.isMissingNode()) {
        h.append("unknown</td><td></td><td></td></tr>");
        continue;
      }
      h.append("supernet block ").append(sn.path("supernet_block").asInt())
          .append(ev.path("scaling").path("copy").asBoolean() ? " (a copy scaling added)" : "").append("</td><td>");
      for (JsonNode a : sn.path("alternatives")) {
        String t = SearchReport.esc(a.path("outcome").asText()) + " "
            + String.format(Locale.ROOT, "%.4f", a.path("latency_ms").asDouble());
        h.append(a.path("chosen").asBoolean() ? "<b>" + t + "</b>" : t).append("; ");
      }
      h.append("</td><td>").append(sn.has("last_flip_step") ? "step " + sn.path("last_flip_step").asInt() + " of "
          + sn.path("steps").asInt() : "").append("</td></tr>");
    }
    return h.append("</table>").toString();
  }
}
