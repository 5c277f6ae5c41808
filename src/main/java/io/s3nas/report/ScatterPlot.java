package io.s3nas.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Estimated vs measured latency, with the identity line and the ±10% band. */
public final class ScatterPlot {
  private ScatterPlot() {}

  public static void write(Path png, String title, double[] measured, double[] estimated) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(720).height(600).title(title)
        .xAxisTitle("measured latency (ms)").yAxisTitle("estimated latency (ms)").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    chart.getStyler().setMarkerSize(7);
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    for (int i = 0; i < measured.length; i++) {
      lo = Math.min(lo, Math.min(measured[i], estimated[i]));
      hi = Math.max(hi, Math.max(measured[i], estimated[i]));
    }
    lo *= 0.9;
    hi *= 1.1;
    line(chart, "y = x", lo, hi, 1.0, Color.DARK_GRAY);
    line(chart, "+10%", lo, hi, 1.1, Color.LIGHT_GRAY);
    line(chart, "-10%", lo, hi, 0.9, Color.LIGHT_GRAY);
    XYSeries s = chart.addSeries("architectures", measured, estimated);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setMarkerColor(new Color(31, 119, 180));
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void line(XYChart chart, String name, double lo, double hi, double factor, Color color) {
    XYSeries l = chart.addSeries(name, new double[] {lo, hi}, new double[] {lo * factor, hi * factor});
    l.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    l.setMarker(SeriesMarkers.NONE);
    l.setLineColor(color);
  }
}
