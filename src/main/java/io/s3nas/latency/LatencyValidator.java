package io.s3nas.latency;

import io.s3nas.space.Architecture;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * Checks a measurable platform's estimates against reality (the foundation issue's validation):
 * profile every outcome of the supernet, measure a few calibration networks and fit the
 * per-network overhead, then sample N other architectures uniformly (each block's outcome drawn
 * independently), estimate each from the table and measure each whole network (compared in the
 * table's units: divided by the machine's drift since the table was measured). Reports the share
 * within ±10% and ±5%, Spearman's rank correlation, both with and without the calibration (the CLI
 * draws the scatter plot from its rows).
 */
public final class LatencyValidator {
  /** One validated architecture. */
  public record Row(List<List<String>> blockStrings, double sumMs, double estimatedMs, double measuredMs) {}

  /** The validation report. */
  public record Report(String platform, String machine, int samples, double within10, double within5,
                       double spearman, double rawWithin10, double rawSpearman, double interceptMs,
                       double scale, double perMParamsMs, int calibrationNetworks, double drift, List<Row> rows) {}

  private LatencyValidator() {}

  public static Report validate(MeasurableLatencyModel model, SearchSpace space, int samples, int calibrationNetworks,
                                long seed, IntConsumer progress) {
    return validate(model, space, samples, calibrationNetworks, List.of(UnaryOperator.identity()), seed, progress);
  }

  /**
   * @param variants network {@code i} (calibration or validated) is the {@code i % variants.size()}-th
   *     variant of its sampled architecture (e.g. resolution- or width-scaled), so that the fit sees
   *     networks of other sizes than the supernet's own and can tell the parameter term from the
   *     slope, and the validation covers the scaled networks a search ships
   */
  public static Report validate(MeasurableLatencyModel model, SearchSpace space, int samples, int calibrationNetworks,
                                List<UnaryOperator<Architecture>> variants, long seed, IntConsumer progress) {
    model.useCalibration(false);
    NetworkLatency.of(space, model); // profiles every outcome on first use
    // Calibration networks come from a different stream than the validated ones.
    Random calRng = new Random(seed ^ 0x5DEECE66DL);
    List<Architecture> calArchs = new ArrayList<>();
    for (int i = 0; i < calibrationNetworks; i++) {
      calArchs.add(variants.get(i % variants.size()).apply(space.architecture(sample(space, calRng))));
    }
    Random rng = new Random(seed);
    List<Architecture> archs = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      archs.add(variants.get(i % variants.size()).apply(space.architecture(sample(space, rng))));
    }
    // the parts of scaled variants are new shapes: profile them first, in one interleaved session
    List<Component> parts = new ArrayList<>();
    calArchs.forEach(a -> parts.addAll(NetworkLatency.components(a)));
    archs.forEach(a -> parts.addAll(NetworkLatency.components(a)));
    model.prefetch(parts);
    // One interleaved measurement of all networks, so calibration and validation see the same machine.
    List<Architecture> everything = new ArrayList<>(calArchs);
    everything.addAll(archs);
    NetworkMeasurement measurement = model.measureNetworks(everything);
    double[] all = measurement.inTableUnits();
    progress.accept(1);
    FixedLatency raw = new FixedLatency(model);
    double[] sums = archs.stream().mapToDouble(raw::totalMs).toArray();
    double[] params = archs.stream().mapToDouble(a -> a.cost().params()).toArray();
    double[] meas = java.util.Arrays.copyOfRange(all, calibrationNetworks, all.length);
    if (calibrationNetworks > 0) {
      double[] calSum = calArchs.stream().mapToDouble(raw::totalMs).toArray();
      double[] calParams = calArchs.stream().mapToDouble(a -> a.cost().params()).toArray();
      model.calibrate(calSum, calParams, java.util.Arrays.copyOf(all, calibrationNetworks), sums, params, meas);
    }
    model.useCalibration(calibrationNetworks > 0);
    FixedLatency calibrated = new FixedLatency(model);
    double[] est = new double[samples];
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      est[i] = calibrated.totalMs(archs.get(i));
      rows.add(new Row(archs.get(i).blockStrings(), sums[i], est[i], meas[i]));
    }
    Calibration c = model.calibration();
    return new Report(model.platform(), model.describeMachine(), samples, RankStats.within(est, meas, 0.10),
        RankStats.within(est, meas, 0.05), RankStats.spearman(est, meas), RankStats.within(sums, meas, 0.10),
        RankStats.spearman(sums, meas), c.interceptMs(), c.scale(), c.perMParamsMs(),
        calibrationNetworks, measurement.drift(), rows);
  }

  /** One uniformly drawn outcome per block. */
  public static int[] sample(SearchSpace space, Random rng) {
    int[] c = new int[space.blocks().size()];
    for (SearchableBlock b : space.blocks()) {
      c[b.index()] = rng.nextInt(b.outcomes().size());
    }
    return c;
  }
}
