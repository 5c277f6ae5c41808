package io.s3nas.report;

import io.s3nas.space.BlockArgs;
import io.s3nas.space.BlockStrings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html} of a search: the result, time per stage, the supernet's loss, validation
 * top-1 and expected latency against the target over its steps, each block's decision as it evolved, the final training's loss and test top-1, the architectures drawn
 * block by block (width ∝ output channels, height ∝ expansion, colour by kernel, dashed border for
 * SE, as the S3NAS figures draw them), and links to the scaling candidates and post-processing
 * evidence the stages wrote.
 */
public final class SearchReport {
  /** What the report shows; any log may be empty. */
  public record Input(Map<String, Object> result, Map<String, Double> stageSeconds, double targetMs, double budgetMs,
                      double[] supernetLoss, double[] supernetExpectedMs, double[] supernetValidationTop1,
                      DecisionTrace decisions, double[] finalLoss, double[] finalEvalTop1,
                      Map<String, List<List<String>>> architectures, List<String> extraFiles) {}

  private SearchReport() {}

  /**
   * result.json's {@code cost} ledger as a table: per stage wall and CPU seconds of its processes and
   * the training steps a restart trained again (docs/design.md, "Cost ledger").
   */
  @SuppressWarnings("unchecked")
  static String costTable(Object cost) {
    if (!(cost instanceof Map<?, ?> stages) || stages.isEmpty()) {
      return "";
    }
    StringBuilder h = new StringBuilder("<h2>Cost</h2><table id=\"cost\"><tr><th>stage</th><th>wall s</th>"
        + "<th>CPU s</th><th>steps trained twice</th></tr>");
    for (Map.Entry<String, Map<String, Object>> e : ((Map<String, Map<String, Object>>) stages).entrySet()) {
      Map<String, Object> c = e.getValue();
      h.append("<tr><td>").append(esc(e.getKey().replace('_', ' '))).append("</td><td>")
          .append(String.format(java.util.Locale.ROOT, "%.1f", ((Number) c.get("wall_seconds")).doubleValue()))
          .append("</td><td>")
          .append(String.format(java.util.Locale.ROOT, "%.1f", ((Number) c.get("cpu_seconds")).doubleValue()))
          .append("</td><td>").append(c.get("replayed_steps")).append("</td></tr>");
    }
    return h.append("</table><p>CPU seconds are those of the process that ran the stage (of the whole "
        + "process, when it ran other searches at the same time).</p>").toString();
  }

  /**
   * result.json's {@code latency_measurements}: per stage the networks measured whole against those a
   * measure-everything policy would have measured (docs/latency.md, "Measurement only where it matters").
   */
  @SuppressWarnings("unchecked")
  static String measurementTable(Object counts) {
    if (!(counts instanceof Map<?, ?> m) || m.isEmpty()) {
      return "";
    }
    StringBuilder h = new StringBuilder("<h2>Latency measurements</h2><table id=\"measurements\"><tr><th>stage</th>"
        + "<th>networks measured</th><th>measure-everything policy</th></tr>");
    for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
      if (e.getValue() instanceof Map<?, ?> c) {
        h.append("<tr><td>").append(esc(e.getKey().replace('_', ' '))).append("</td><td>").append(c.get("measured"))
            .append("</td><td>").append(c.get("measure_all")).append("</td></tr>");
      }
    }
    return h.append("</table><p>Policy: ").append(esc(String.valueOf(m.get("policy")))).append(". Gated, a network "
        + "is measured only when its estimate's interval straddles the limit it must fit; the others are trusted "
        + "on the estimate.</p>").toString();
  }

  public static Path write(Path dir, Input in) throws IOException {
    Files.createDirectories(dir);
    StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>s3nas search ")
        .append(esc(String.valueOf(in.result().get("search_id")))).append("</title><style>")
        .append("body{font-family:sans-serif;margin:2em;max-width:1100px}td,th{padding:2px 10px;text-align:left}")
        .append(".arch{display:flex;align-items:flex-end;gap:2px;margin:6px 0 18px}.stage{margin-right:10px}")
        .append(".b{display:inline-block;border:1px solid #333}.se{border-style:dashed}")
        .append(Verdict.CSS).append("</style></head><body>");
    h.append("<h1>Search ").append(esc(String.valueOf(in.result().get("search_id")))).append("</h1>");
    h.append(Verdict.html(in.result(), in.stageSeconds(), in.architectures(), dir));
    h.append("<details><summary>Every field of result.json</summary><table>");
    for (Map.Entry<String, Object> e : in.result().entrySet()) {
      if (!e.getKey().equals("block_strings") && !e.getKey().equals("stage_seconds") && !e.getKey().equals("cost")
          && !e.getKey().equals("latency_measurements")) {
        h.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(String.valueOf(e.getValue())))
            .append("</td></tr>");
      }
    }
    h.append("</table></details>");
    if (!in.stageSeconds().isEmpty()) {
      Charts.bars(dir.resolve("report-stages.png"), "wall time per stage", "seconds", in.stageSeconds());
      h.append("<h2>Time per stage</h2><img src=\"report-stages.png\">");
    }
    h.append(costTable(in.result().get("cost")));
    h.append(measurementTable(in.result().get("latency_measurements")));
    h.append(ExplainTable.html(dir.resolve("explain.json")));
    if (in.supernetLoss().length > 0) {
      Charts.lines(dir.resolve("report-supernet-loss.png"), "supernet training", "loss",
          Map.of("loss", in.supernetLoss()), Double.NaN, "");
      Charts.lines(dir.resolve("report-latency.png"), "expected latency against the search target", "ms",
          Map.of("expected latency", in.supernetExpectedMs()), in.targetMs(), "target");
      h.append("<h2>Supernet</h2><img src=\"report-supernet-loss.png\"><img src=\"report-latency.png\">");
      if (Charts.points(dir.resolve("report-supernet-validation.png"), "supernet under its current decisions: "
          + "validation top-1 (held-out training images)", "top-1", in.supernetValidationTop1())) {
        h.append("<img src=\"report-supernet-validation.png\">");
      }
    }
    if (!in.decisions().isEmpty()) {
      h.append("<h3>Each block's decision over the steps</h3><p>Shade: the latency of the outcome the block held "
          + "(white: skipped, dark: its most expensive outcome); hover for the outcome; right: the final one.</p>")
          .append(DecisionChart.svg(in.decisions()));
    }
    if (in.finalLoss().length > 0) {
      Charts.lines(dir.resolve("report-final-loss.png"), "final training", "loss", Map.of("loss", in.finalLoss()),
          Double.NaN, "");
      h.append("<h2>Final training</h2><img src=\"report-final-loss.png\">");
      if (Charts.points(dir.resolve("report-final-eval.png"), "final network (EMA weights): test top-1 on "
          + "the first test images", "top-1", in.finalEvalTop1())) {
        h.append("<img src=\"report-final-eval.png\">");
      }
    }
    h.append("<h2>Architectures</h2><p>Width ∝ output channels, height ∝ expansion, colour: kernel "
        + "(3 blue, 5 green, 7 orange, mixed purple), dashed: SE.</p>");
    for (Map.Entry<String, List<List<String>>> a : in.architectures().entrySet()) {
      h.append("<h3>").append(esc(a.getKey())).append("</h3><div class=\"arch\">");
      for (List<String> stage : a.getValue()) {
        h.append("<div class=\"stage\">");
        for (String s : stage) {
          h.append(block(s));
        }
        h.append("</div>");
      }
      h.append("</div>");
    }
    if (!in.extraFiles().isEmpty()) {
      h.append("<h2>Evidence</h2><ul>");
      for (String f : in.extraFiles()) {
        h.append(f.endsWith(".png") ? "<li><img src=\"" + esc(f) + "\"></li>"
            : "<li><a href=\"" + esc(f) + "\">" + esc(f) + "</a></li>");
      }
      h.append("</ul>");
    }
    h.append("</body></html>\n");
    Path out = dir.resolve("report.html");
    io.s3nas.common.AtomicFiles.writeString(out, h.toString());
    return out;
  }

  /** One block drawn: width ∝ output channels, height ∝ expansion, colour by kernel, dashed border for SE. */
  static String block(String s) {
    BlockArgs b = BlockStrings.parse(s);
    int w = Math.max(4, Math.min(40, b.outputFilters() / 4));
    int hgt = 8 + 8 * b.totalExpansion();
    String color = b.kernels().size() > 1 ? "#9467bd"
        : switch (b.kernels().get(0)) {
          case 3 -> "#1f77b4";
          case 5 -> "#2ca02c";
          default -> "#ff7f0e";
        };
    return String.format(Locale.ROOT, "<span class=\"b%s\" title=\"%s\" style=\"width:%dpx;height:%dpx;background:%s\">"
        + "</span>", b.hasSe() ? " se" : "", esc(s), w, hgt, color);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
