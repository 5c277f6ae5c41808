package io.s3nas.latency;

import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides, for one network a stage must settle against a limit, whether to measure it
 * (docs/latency.md, "Measurement only where it matters"). Under the gated policy a network whose
 * estimate ± its band lies wholly within the limit is trusted to fit, one wholly above it trusted
 * not to; only one whose interval straddles the limit is measured. The band is relative: the
 * calibration's held-out band plus the policy's allowance for drift between sessions. Where the
 * band is unknown (no held-out networks) or the policy measures everything, every network is
 * measured. The gate is stateless; stages count what they measured in a {@link Count}.
 */
public final class MeasurementGate {
  /** What to do with one network. */
  public enum Call { MEASURE, TRUSTED_WITHIN, TRUSTED_OVER }

  /** Networks measured, and those the measure-everything policy would have measured at the same decisions. */
  public record Count(int measured, int measureAll) {
    public static final Count NONE = new Count(0, 0);

    public Count plus(Count o) {
      return new Count(measured + o.measured, measureAll + o.measureAll);
    }

    public Count plus(int measured, int measureAll) {
      return new Count(this.measured + measured, this.measureAll + measureAll);
    }

    /** {@code {"measured": .., "measure_all": ..}}. */
    public Map<String, Object> json() {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("measured", measured);
      o.put("measure_all", measureAll);
      return o;
    }
  }

  private final MeasurementPolicy policy;
  private final double relativeBand;
  private final double calibrationBand;

  private MeasurementGate(MeasurementPolicy policy, double calibrationBand) {
    this.policy = policy;
    this.calibrationBand = calibrationBand;
    this.relativeBand = calibrationBand + policy.allowance();
  }

  /** Measures everything. */
  public static MeasurementGate all() {
    return new MeasurementGate(MeasurementPolicy.ALL, Double.NaN);
  }

  static MeasurementGate of(MeasurementPolicy policy, LatencyModel model) {
    double band = model instanceof MeasurableLatencyModel m ? m.calibration().relativeBand() : Double.NaN;
    return new MeasurementGate(policy, band);
  }

  /** A gate with a given calibration band (tests, and callers that hold the band already). */
  public static MeasurementGate withBand(MeasurementPolicy policy, double calibrationBand) {
    return new MeasurementGate(policy, calibrationBand);
  }

  /** Whether any network can be trusted (gated policy, band known). */
  public boolean gating() {
    return policy.mode() == MeasurementPolicy.Mode.GATED && !Double.isNaN(relativeBand);
  }

  /** For a network estimated at {@code estimateMs} that must fit {@code limitMs}. */
  public Call decide(double estimateMs, double limitMs) {
    if (!gating()) {
      return Call.MEASURE;
    }
    double b = bandMs(estimateMs);
    if (estimateMs + b <= limitMs) {
      return Call.TRUSTED_WITHIN;
    }
    return estimateMs - b > limitMs ? Call.TRUSTED_OVER : Call.MEASURE;
  }

  /**
   * Whether the calibration's band speaks for {@code a}: its held-out networks are networks like
   * {@code reference} (the supernet's outcomes, scaled), so a network with an activation or SE
   * blocks {@code reference} lacks — what post-processing adds — is outside it, and the gate
   * measures it whatever its estimate says (h-swish measured +18% on this CPU where its estimate
   * said +0%, docs/latency.md).
   */
  public static boolean covered(Architecture reference, Architecture a) {
    return reference != null && kinds(reference).containsAll(kinds(a));
  }

  private static Set<String> kinds(Architecture a) {
    Set<String> k = new HashSet<>();
    Activation global = a.spec().activationOrDefault();
    k.add(global.name());
    for (BlockArgs b : a.blocks()) {
      k.add((b.activation() != null ? b.activation() : global).name());
      if (b.hasSe()) {
        k.add("SE/" + a.spec().seInnerOrDefault() + "/" + a.spec().seGatingOrDefault());
      }
    }
    return k;
  }

  /** The gate's band around an estimate (NaN when unknown). */
  public double bandMs(double estimateMs) {
    return relativeBand * estimateMs;
  }

  public MeasurementPolicy policy() {
    return policy;
  }

  /** The stage files' {@code measurement_gate} fields: the policy, the band and the counts. */
  public Map<String, Object> json(Count c) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("policy", policy.mode().name().toLowerCase(Locale.ROOT));
    o.put("calibration_band", Double.isNaN(calibrationBand) ? null : calibrationBand);
    o.put("allowance", policy.allowance());
    o.put("band", gating() ? relativeBand : null);
    o.putAll(c.json());
    return o;
  }

  /** One line for reports: how the gate trusted a network. */
  public String describe(Call call, double estimateMs, double limitMs) {
    return String.format(Locale.ROOT, "trusted %s: estimate %.4f ms ± %.4f (held-out band %.1f%% + allowance %.1f%%) "
        + "%s the %.4f ms limit", call == Call.TRUSTED_WITHIN ? "within" : "over", estimateMs, bandMs(estimateMs),
        100 * calibrationBand, 100 * policy.allowance(), call == Call.TRUSTED_WITHIN ? "within" : "wholly above",
        limitMs);
  }
}
