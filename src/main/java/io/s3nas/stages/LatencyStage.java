package io.s3nas.stages;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.Calibration;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyValidator;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.scaling.CompoundScaler;
import io.s3nas.scaling.Scaling;
import io.s3nas.space.Architecture;
import io.s3nas.space.SearchSpace;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The first stage of a search (docs/design.md, "The pipeline"): the platform's latency of every
 * block outcome of the supernet (profiled on a measured platform, cached there), the budget and
 * search target resolved to ms, and, on a measured platform, a calibration of sums of parts to
 * whole networks with its own held-out error (docs/latency.md, "Calibration"), fitted when the
 * table is profiled and cached beside it. Without it a fresh machine estimates whole networks at
 * the plain sum of their parts, which docs/latency.md measures 19–31% below the truth.
 */
public final class LatencyStage {
  /**
   * @param budgetMs the budget in ms, or 0 to place it at {@code budgetFraction} of the supernet's range
   * @param targetMs the search target in ms, or 0 for {@code targetFraction} (or the budget when both are 0)
   */
  public record Request(SearchSpace space, double budgetMs, double budgetFraction, double targetMs,
                        double targetFraction, int calibrationNetworks, int calibrationHeldOut, long seed) {}

  /**
   * @param calibration the measured platform's calibration (null on other platforms)
   * @param calibratedNow whether this run fitted it (false: it was cached)
   */
  public record Result(String platform, double minMs, double maxMs, double budgetMs, double targetMs,
                       Calibration calibration, boolean calibratedNow, double seconds) {}

  /**
   * Calibration networks are sampled architectures of the supernet, a third of them at 1.5× its
   * resolution and a third 1.25× wider: scaling hands back networks of other sizes than the
   * supernet's own, and the fit must hold for them too (its parameter term needs them to be told
   * from its slope).
   */
  public static final List<UnaryOperator<Architecture>> VARIANTS = List.of(UnaryOperator.identity(),
      a -> CompoundScaler.scale(a, Scaling.of(1, 1, 1.5)), a -> CompoundScaler.scale(a, Scaling.of(1.25, 1, 1)));

  private LatencyStage() {}

  public static Result run(Request r, LatencyModel model) {
    long t0 = System.nanoTime();
    NetworkLatency nl = NetworkLatency.of(r.space(), model); // profiles every outcome on a measured platform
    Calibration cal = null;
    boolean now = false;
    if (model instanceof MeasurableLatencyModel m) {
      if (!m.calibrated()) {
        LatencyValidator.validate(m, r.space(), r.calibrationHeldOut(), r.calibrationNetworks(), VARIANTS, r.seed(),
            i -> {});
        now = true;
      }
      m.useCalibration(true);
      cal = m.calibration();
      // the range, and so the resolved budget, in calibrated units: what every later estimate uses
      nl = NetworkLatency.of(r.space(), model);
    }
    double budget = r.budgetMs() > 0 ? r.budgetMs() : nl.minMs() + r.budgetFraction() * (nl.maxMs() - nl.minMs());
    double target = r.targetMs() > 0 ? r.targetMs()
        : r.targetFraction() > 0 ? nl.minMs() + r.targetFraction() * (nl.maxMs() - nl.minMs()) : budget;
    if (target < nl.minMs()) {
      throw new InvalidInputException("search-target-ms", null, String.format(Locale.ROOT, "a target the supernet can "
          + "meet: its fastest architecture is %.4f ms on %s, the target %.4f ms", nl.minMs(), model.platform(), target));
    }
    return new Result(model.platform(), nl.minMs(), nl.maxMs(), budget, target, cal, now,
        (System.nanoTime() - t0) / 1e9);
  }
}
