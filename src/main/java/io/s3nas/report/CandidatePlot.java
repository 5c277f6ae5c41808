package io.s3nas.report;

import io.s3nas.scaling.ScalingSearch;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The scaling candidates: estimated latency against size, the budget line, the chosen network marked. */
public final class CandidatePlot {
  private CandidatePlot() {}

  public static void write(Path png, ScalingSearch.Result r) throws IOException {
    System.setProperty("java.awt.headless", "true");
    boolean macs = r.by() == ScalingSearch.Size.MACS;
    XYChart chart = new XYChartBuilder().width(820).height(600)
        .title(String.format("scaling candidates (%d), budget %.3f ms", r.candidates().size(), r.budgetMs()))
        .xAxisTitle(macs ? "MMACs" : "parameters (M)").yAxisTitle("estimated latency (ms)").build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    chart.getStyler().setMarkerSize(4);
    double[][] fit = series(r, true, macs);
    double[][] over = series(r, false, macs);
    if (fit[0].length > 0) {
      scatter(chart, "fits", fit, new Color(31, 119, 180));
    }
    if (over[0].length > 0) {
      scatter(chart, "over budget", over, new Color(200, 200, 200));
    }
    double hi = 0;
    for (ScalingSearch.Candidate c : r.candidates()) {
      hi = Math.max(hi, size(c, macs));
    }
    XYSeries budget = chart.addSeries("budget", new double[] {0, hi}, new double[] {r.budgetMs(), r.budgetMs()});
    budget.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    budget.setMarker(SeriesMarkers.NONE);
    budget.setLineColor(Color.RED);
    XYSeries chosen = chart.addSeries("chosen", new double[] {size(r.chosen(), macs)}, new double[] {r.chosen().latencyMs()});
    chosen.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chosen.setMarker(SeriesMarkers.DIAMOND);
    chosen.setMarkerColor(new Color(214, 39, 40));
    Path parent = png.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }

  private static double size(ScalingSearch.Candidate c, boolean macs) {
    return (macs ? c.macs() : c.params()) / 1e6;
  }

  private static double[][] series(ScalingSearch.Result r, boolean fits, boolean macs) {
    var cs = r.candidates().stream().filter(c -> c.fits() == fits).toList();
    double[][] xy = new double[2][cs.size()];
    for (int i = 0; i < cs.size(); i++) {
      xy[0][i] = size(cs.get(i), macs);
      xy[1][i] = cs.get(i).latencyMs();
    }
    return xy;
  }

  private static void scatter(XYChart chart, String name, double[][] xy, Color color) {
    XYSeries s = chart.addSeries(name, xy[0], xy[1]);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setMarkerColor(color);
  }
}
