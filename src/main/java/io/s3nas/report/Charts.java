package io.s3nas.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's PNG charts (XChart, headless). */
final class Charts {
  private Charts() {}

  /** Lines over steps; a horizontal reference line when {@code ref} is not NaN. */
  static void lines(Path png, String title, String y, Map<String, double[]> series, double ref, String refName)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart c = new XYChartBuilder().width(760).height(360).title(title).xAxisTitle("step").yAxisTitle(y).build();
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      double[] v = e.getValue();
      if (v.length == 0) {
        continue;
      }
      double[] x = new double[v.length];
      for (int i = 0; i < v.length; i++) {
        x[i] = i + 1;
      }
      c.addSeries(e.getKey(), x, v).setMarker(SeriesMarkers.NONE);
    }
    if (!Double.isNaN(ref) && !series.isEmpty()) {
      int n = series.values().iterator().next().length;
      XYSeries r = c.addSeries(refName, new double[] {1, Math.max(2, n)}, new double[] {ref, ref});
      r.setMarker(SeriesMarkers.NONE);
      r.setLineColor(java.awt.Color.RED);
    }
    BitmapEncoder.saveBitmap(c, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * The finite entries of a per-step series as points joined by lines (evaluations happen at some
   * steps only; NaN elsewhere). Returns false, writing nothing, when there is no finite entry.
   */
  static boolean points(Path png, String title, String y, double[] perStep) throws IOException {
    List<Double> xs = new java.util.ArrayList<>();
    List<Double> ys = new java.util.ArrayList<>();
    for (int i = 0; i < perStep.length; i++) {
      if (Double.isFinite(perStep[i])) {
        xs.add(i + 1.0);
        ys.add(perStep[i]);
      }
    }
    if (xs.isEmpty()) {
      return false;
    }
    System.setProperty("java.awt.headless", "true");
    XYChart c = new XYChartBuilder().width(760).height(320).title(title).xAxisTitle("step").yAxisTitle(y).build();
    c.getStyler().setLegendVisible(false);
    c.addSeries(y, xs, ys).setMarker(SeriesMarkers.CIRCLE);
    BitmapEncoder.saveBitmap(c, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    return true;
  }

  /** A latency/top-1 front: one point per network, joined in latency order, with each budget as a dashed line. */
  static void front(Path png, String title, double[] ms, double[] top1, double[] budgets) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart c = new XYChartBuilder().width(760).height(400).title(title).xAxisTitle("measured latency, ms")
        .yAxisTitle("top-1").build();
    c.addSeries("networks", ms, top1).setMarker(SeriesMarkers.CIRCLE);
    double lo = java.util.Arrays.stream(top1).min().orElse(0);
    double hi = java.util.Arrays.stream(top1).max().orElse(1);
    for (double b : budgets) {
      XYSeries r = c.addSeries("budget " + b + " ms", new double[] {b, b}, new double[] {lo, hi});
      r.setMarker(SeriesMarkers.NONE);
      r.setLineColor(java.awt.Color.LIGHT_GRAY);
    }
    BitmapEncoder.saveBitmap(c, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }

  static void bars(Path png, String title, String y, Map<String, Double> values) throws IOException {
    System.setProperty("java.awt.headless", "true");
    // ~135 px a bar: at 760 px for six stages "post processing" and "final training" ran into each other
    int width = Math.max(760, 100 + 135 * values.size());
    CategoryChart c = new CategoryChartBuilder().width(width).height(320).title(title).yAxisTitle(y).build();
    c.getStyler().setLegendVisible(false);
    c.addSeries(y, List.copyOf(values.keySet()), values.values().stream().map(v -> (Number) v).toList());
    BitmapEncoder.saveBitmap(c, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }
}
