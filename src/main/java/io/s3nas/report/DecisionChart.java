package io.s3nas.report;

import java.util.Locale;

/**
 * The evolution of each block's decision as an inline SVG: a row per block, time to the right, each
 * cell shaded by the latency of the outcome the block held then (white = skipped, dark = its most
 * expensive outcome), a tooltip and a label where the decision changed, and a line where the
 * warm-up ended. Steps are bucketed to at most {@link #COLUMNS} columns (a bucket shows its last step).
 */
final class DecisionChart {
  static final int COLUMNS = 400;
  private static final int ROW = 18;
  private static final int LABEL = 70;
  private static final int FINAL = 170;

  private DecisionChart() {}

  static String svg(DecisionTrace t) {
    int steps = t.choices().length;
    int cols = Math.min(COLUMNS, steps);
    double cell = 2.0;
    int width = LABEL + (int) Math.ceil(cols * cell) + FINAL;
    int height = ROW * t.blocks().size() + 24;
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
            + "font-size=\"11\">", width, height));
    for (int b = 0; b < t.blocks().size(); b++) {
      double max = 0;
      for (double ms : t.outcomeMs()[b]) {
        max = Math.max(max, ms);
      }
      int y = b * ROW;
      s.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\">%s</text>", y + 13, SearchReport.esc(t.blocks().get(b))));
      int previous = -1;
      for (int c = 0; c < cols; c++) {
        int step = (int) ((long) (c + 1) * steps / cols) - 1;
        int o = t.choices()[step][b];
        double share = max > 0 ? t.outcomeMs()[b][o] / max : 1;
        int shade = (int) Math.round(255 - 215 * Math.max(0, Math.min(1, share)));
        String label = t.outcomes().get(b).get(o);
        s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                + "fill=\"rgb(%d,%d,255)\"><title>step %d: %s (%.3f ms)</title></rect>", LABEL + c * cell, y + 2,
            cell, ROW - 4, shade, shade, step + 1, SearchReport.esc(label), t.outcomeMs()[b][o]));
        previous = o;
      }
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>", LABEL + cols * cell + 6, y + 13,
          SearchReport.esc(t.outcomes().get(b).get(previous))));
    }
    if (t.warmupSteps() > 0 && t.warmupSteps() < steps) {
      double x = LABEL + (double) t.warmupSteps() * cols / steps * cell;
      int bottom = ROW * t.blocks().size();
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"red\"/>"
          + "<text x=\"%.1f\" y=\"%d\" fill=\"red\">search begins (step %d)</text>", x, x, bottom, x + 3, bottom + 14,
          t.warmupSteps() + 1));
    }
    return s.append("</svg>").toString();
  }
}
