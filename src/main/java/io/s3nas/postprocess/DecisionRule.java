package io.s3nas.postprocess;

import java.util.Locale;

/**
 * When a change pays for its latency (docs/method.md §9): its top-1 gain is at least
 * {@code minGainPoints} and at least {@code pointsPerPercent} points per percent of latency it adds
 * — for the lower end of the gain's 95% interval ({@link PairedGain}), so a change is kept only
 * when the evidence says it surely pays. Defaults 0.2 points and 0.1 points per percent (the
 * paper's "+" models trade about 0.5 points for 4–6% latency, i.e. ~0.1 per percent).
 */
public record DecisionRule(double minGainPoints, double pointsPerPercent) {
  public static final DecisionRule DEFAULT = new DecisionRule(0.2, 0.1);

  /** Whether a gain of {@code gainPoints} pays for {@code latencyPercent} more latency. */
  public boolean pays(double gainPoints, double latencyPercent) {
    return gainPoints >= minGainPoints && (latencyPercent <= 0 || gainPoints / latencyPercent >= pointsPerPercent);
  }

  /** Whether even the interval's lower end pays. */
  public boolean clears(PairedGain g, double latencyPercent) {
    return pays(g.lowerPoints(), latencyPercent);
  }

  /** Whether even the interval's upper end does not pay: the change surely does not. */
  public boolean fails(PairedGain g, double latencyPercent) {
    return !pays(g.upperPoints(), latencyPercent);
  }

  public String describe() {
    return String.format(Locale.ROOT, "keep when the 95%% interval of the paired top-1 gain lies above %.2f points and "
        + "above %.2f points per %% latency added", minGainPoints, pointsPerPercent);
  }
}
