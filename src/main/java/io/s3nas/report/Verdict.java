package io.s3nas.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The panel report.html opens with: whether the budget was met (measured against the estimate and
 * its uncertainty), the test top-1, the time of each stage, the network drawn, what post-processing
 * decided and on what evidence, and links to the files a user takes away. Values are rounded and
 * carry their units; the raw result.json follows it.
 */
final class Verdict {
  static final String CSS = ".verdict{border:2px solid #888;border-radius:8px;padding:12px 18px;margin:12px 0 24px}"
      + ".ok{border-color:#2a7d2a;background:#f1faf1}.bad{border-color:#b22;background:#fdf1f1}"
      + ".verdict h2{margin:4px 0 10px}.verdict table td,.verdict table th{padding:2px 14px 2px 0}"
      + ".big{font-size:1.6em;font-weight:bold}";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Verdict() {}

  static String html(Map<String, Object> r, Map<String, Double> seconds, Map<String, List<List<String>>> archs,
                     Path dir) {
    Double budget = num(r.get("budget_ms"));
    Double measured = num(r.get("measured_latency_ms"));
    Double estimate = num(r.get("estimated_latency_ms"));
    Double band = num(r.get("estimate_uncertainty_ms"));
    Double top1 = num(r.get("top1"));
    boolean within = Boolean.TRUE.equals(r.get("within_budget"));
    StringBuilder h = new StringBuilder("<div class=\"verdict ").append(within ? "ok" : "bad").append("\" id=\"verdict\">");
    h.append("<h2>").append(within ? "&#10004; Budget met" : "&#10008; Budget not met").append("</h2><table>");
    if (measured != null && budget != null) {
      row(h, "latency", String.format(Locale.ROOT, "<span class=\"big\" id=\"measured-ms\">%.3f ms</span> measured "
          + "on %s, %.0f%% of the <span id=\"budget-ms\">%.3f ms</span> budget", measured, SearchReport.esc(str(r.get(
              "hardware"))), 100 * measured / budget, budget));
      String clock = onTheClock(r);
      if (clock != null) {
        row(h, "on the clock", clock);
      }
    } else if (budget != null && estimate != null) {
      row(h, "latency", String.format(Locale.ROOT, "<span class=\"big\">%.3f ms</span> estimated on %s (not "
          + "measurable here), %.0f%% of the %.3f ms budget", estimate, SearchReport.esc(str(r.get("hardware"))),
          100 * estimate / budget, budget));
    }
    if (estimate != null) {
      row(h, "estimate", String.format(Locale.ROOT, "%.3f ms%s%s", estimate, band == null ? ", uncertainty unknown"
          : String.format(Locale.ROOT, " &plusmn; %.3f ms", band), r.get("uncertainty_source") == null ? ""
          : " (" + SearchReport.esc(str(r.get("uncertainty_source"))) + ")"));
    }
    if (num(r.get("estimate_error")) != null) {
      row(h, "estimate error", String.format(Locale.ROOT, "%+.1f%% against the measurement", 100 * num(r.get(
          "estimate_error"))));
    }
    if (top1 != null) {
      row(h, "top-1", String.format(Locale.ROOT, "<span class=\"big\" id=\"top1\">%.2f%%</span> on the test set",
          100 * top1));
    }
    double total = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    StringBuilder st = new StringBuilder(String.format(Locale.ROOT, "%s in all: ", duration(total)));
    seconds.forEach((k, v) -> st.append(SearchReport.esc(k.replace('_', ' '))).append(' ').append(duration(v)).append(", "));
    row(h, "time", st.substring(0, st.length() - 2));
    h.append("</table>");
    List<List<String>> fin = archs.get("final (post-processed)");
    if (fin != null) {
      h.append("<div class=\"arch\">");
      for (List<String> stage : fin) {
        h.append("<div class=\"stage\">");
        stage.forEach(b -> h.append(SearchReport.block(b)));
        h.append("</div>");
      }
      h.append("</div>");
    }
    h.append(postprocess(dir));
    h.append("<p>Files: <a href=\"model.onnx\">model.onnx</a> (ONNX, verified in ONNX Runtime) &middot; "
        + "<a href=\"postprocessed_model.json\">model JSON</a> &middot; <a href=\"model.s3model\">trained model</a> "
        + "&middot; <a href=\"result.json\">result.json</a></p></div>");
    return h.toString();
  }

  /**
   * The raw times behind a drift-corrected measurement, when the machine ran more than 5% off the
   * speed its latency table was profiled at: the headline figure is in the table's units (raw ÷ drift,
   * docs/latency.md, "Drift between sessions"), and a reader should see what the clock said too.
   * Null when there is nothing to add.
   */
  private static String onTheClock(Map<String, Object> r) {
    if (!(r.get("latency_measurements_raw_ms") instanceof List<?> raw)
        || !(r.get("machine_drift") instanceof List<?> drift) || raw.isEmpty() || raw.size() != drift.size()) {
      return null;
    }
    StringBuilder v = new StringBuilder();
    boolean off = false;
    for (int i = 0; i < raw.size(); i++) {
      Double ms = num(raw.get(i));
      Double d = num(drift.get(i));
      if (ms == null || d == null) {
        return null;
      }
      off |= Math.abs(d - 1) > 0.05;
      v.append(i == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%.3f ms on a machine running %.2f &times; "
          + "%s than when its latency table was profiled", ms, d >= 1 ? d : 1 / d, d >= 1 ? "slower" : "faster"));
    }
    return off ? v.append(" (the latency above is this divided by that factor, in the table's units, as the "
        + "budget is)").toString() : null;
  }

  /** Post-processing's decisions with their intervals, from postprocess.json. */
  private static String postprocess(Path dir) {
    Path f = dir.resolve("postprocess.json");
    if (!Files.exists(f)) {
      return "";
    }
    JsonNode p;
    try {
      p = MAPPER.readTree(f.toFile());
    } catch (IOException e) {
      return "";
    }
    StringBuilder h = new StringBuilder("<p>Post-processing (").append(SearchReport.esc(p.path("rule").asText()))
        .append("):</p><ul>");
    for (JsonNode d : p.path("decisions")) {
      h.append("<li><b>").append(SearchReport.esc(d.path("change").asText())).append("</b>: ")
          .append(SearchReport.esc(d.path("reason").asText())).append("</li>");
    }
    return h.append("</ul>").toString();
  }

  private static void row(StringBuilder h, String k, String v) {
    h.append("<tr><th>").append(k).append("</th><td>").append(v).append("</td></tr>");
  }

  static String duration(double s) {
    long t = Math.round(s);
    return s >= 59.5 ? String.format(Locale.ROOT, "%d min %02d s", t / 60, t % 60)
        : String.format(Locale.ROOT, "%.1f s", s);
  }

  private static Double num(Object o) {
    return o instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
  }

  private static String str(Object o) {
    return String.valueOf(o);
  }
}
