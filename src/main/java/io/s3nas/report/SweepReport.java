package io.s3nas.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.common.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A sweep's result (docs/design.md, "Sweeps"): one network per budget, all but the first forked from
 * the first's warm-up end, as a latency/top-1 front, and what the shared warm-up saved. Reads each
 * search's {@code result.json}; writes {@code sweep.json}, {@code sweep.html} and {@code front.png}.
 */
public final class SweepReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SweepReport() {}

  /**
   * @param runs each search's run folder, the first the one the others fork
   * @return {@code sweep.json}'s fields
   */
  public static Map<String, Object> write(Path dir, List<Path> runs) throws IOException {
    Files.createDirectories(dir);
    List<Map<String, Object>> rows = new ArrayList<>();
    JsonNode first = JSON.readTree(runs.get(0).resolve("result.json").toFile());
    double actual = 0;
    double independent = 0;
    for (Path run : runs) {
      JsonNode r = JSON.readTree(run.resolve("result.json").toFile());
      JsonNode cost = r.path("cost");
      double cpu = cost.path("total").path("cpu_seconds").asDouble();
      // what this search would have cost on its own: its stages, plus the supernet training (the
      // warm-up) it took from the first search instead of doing it itself. The latency table is not
      // added: on one machine a search of its own would find it cached too
      double own = cpu;
      if (r.has("forked_from")) {
        own += Math.max(0, first.path("cost").path("supernet").path("cpu_seconds").asDouble()
            - cost.path("supernet").path("cpu_seconds").asDouble());
      }
      actual += cpu;
      independent += own;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("search_id", r.path("search_id").asText());
      row.put("budget_ms", r.path("budget_ms").asDouble());
      row.put("measured_latency_ms", r.path("measured_latency_ms").isNumber() ? r.path("measured_latency_ms").asDouble()
          : r.path("estimated_latency_ms").asDouble());
      row.put("top1", r.path("top1").asDouble());
      row.put("within_budget", r.path("within_budget").asBoolean());
      row.put("cpu_seconds", cpu);
      row.put("cpu_seconds_on_its_own", own);
      row.put("block_strings", JSON.convertValue(r.path("block_strings"), Object.class));
      row.put("forked_from", r.has("forked_from") ? r.path("forked_from").path("search_id").asText() : null);
      rows.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("networks", rows);
    Map<String, Object> cost = new LinkedHashMap<>();
    cost.put("cpu_seconds", actual);
    cost.put("independent_cpu_seconds", independent);
    cost.put("ratio", actual / independent);
    out.put("cost", cost);
    AtomicFiles.writeString(dir.resolve("sweep.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out)
        + "\n");
    double[] ms = rows.stream().mapToDouble(r -> (Double) r.get("measured_latency_ms")).toArray();
    double[] top1 = rows.stream().mapToDouble(r -> (Double) r.get("top1")).toArray();
    double[] budgets = rows.stream().mapToDouble(r -> (Double) r.get("budget_ms")).toArray();
    Charts.front(dir.resolve("front.png"), "one warm-up, a front: top-1 against measured latency", ms, top1, budgets);
    StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>s3nas sweep</title>"
        + "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:left}</style></head><body>"
        + "<h1>Sweep</h1><img src=\"front.png\"><table><tr><th>search</th><th>budget ms</th><th>measured ms</th>"
        + "<th>top-1</th><th>CPU s</th><th>on its own</th><th>report</th></tr>");
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> r = rows.get(i);
      h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.2f%%</td><td>%.0f</td>"
              + "<td>%.0f</td><td><a href=\"%s\">report</a></td></tr>", SearchReport.esc((String) r.get("search_id")),
          r.get("budget_ms"), r.get("measured_latency_ms"), 100 * (Double) r.get("top1"), r.get("cpu_seconds"),
          r.get("cpu_seconds_on_its_own"), SearchReport.esc(dir.relativize(runs.get(i).resolve("report.html")).toString())));
    }
    h.append(String.format(Locale.ROOT, "</table><p>The sweep used %.0f CPU seconds; the same searches run one by "
        + "one, each with its own warm-up, %.0f (%.0f%%).</p></body></html>", actual, independent, 100 * actual / independent));
    AtomicFiles.writeString(dir.resolve("sweep.html"), h.toString());
    return out;
  }
}
