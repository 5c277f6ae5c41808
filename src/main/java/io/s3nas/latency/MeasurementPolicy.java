package io.s3nas.latency;

import java.util.Locale;

/**
 * Which candidates a search measures as whole networks on a measurable platform (docs/latency.md,
 * "Measurement only where it matters"). Search-config keys {@code latency-measurement},
 * {@code gate-allowance} and {@code gate-final-check}.
 *
 * @param mode {@code ALL}: every network a stage decides on is measured (scaling's check rounds,
 *     each post-processing change against its base); {@code GATED}: only those whose estimate's
 *     interval straddles the limit they must fit, the others trusted on the estimate
 * @param allowance relative error the gate adds to the calibration's held-out band. That band is
 *     measured in the calibration's own interleaved session; of 99 later measurements of the same
 *     machine it covered 44%, band + 10% covered 97% (docs/latency.md), so the band alone would
 *     trust networks it should not
 * @param gateFinalCheck whether the gate also decides the shipped network's final check (false:
 *     the shipped network is always measured)
 */
public record MeasurementPolicy(Mode mode, double allowance, boolean gateFinalCheck) {
  /** The two policies. */
  public enum Mode { ALL, GATED }

  /** Every candidate measured: what searches did before the policy existed (their events lack it). */
  public static final MeasurementPolicy ALL = new MeasurementPolicy(Mode.ALL, 0, false);

  public MeasurementPolicy {
    if (mode == null) {
      throw new IllegalArgumentException("a measurement mode");
    }
    if (!(allowance >= 0 && allowance < 1)) {
      throw new IllegalArgumentException("gate-allowance in [0, 1): " + allowance);
    }
  }

  /** Gated, a 10% allowance, the shipped network measured. */
  public static MeasurementPolicy defaults() {
    return new MeasurementPolicy(Mode.GATED, 0.10, false);
  }

  /** {@code all} or {@code gated}, as the config key spells it. */
  public static Mode mode(String name) {
    return Mode.valueOf(name.trim().toUpperCase(Locale.ROOT));
  }

  /** The gate for {@code model}'s platform, with the band of its calibration as it is now. */
  public MeasurementGate gate(LatencyModel model) {
    return MeasurementGate.of(this, model);
  }
}
