package io.s3nas.postprocess;

/**
 * When a change pays for its latency: its top-1 gain (in points) is at least {@code minGainPoints}
 * and at least {@code pointsPerPercent} points per percent of latency it adds. Defaults 0.2 points
 * (below that a short probe training cannot tell a gain from seed noise) and 0.1 points per percent
 * (the paper's "+" models trade about 0.5 points for 4–6% latency, i.e. ~0.1 per percent).
 */
public record DecisionRule(double minGainPoints, double pointsPerPercent) {
  public static final DecisionRule DEFAULT = new DecisionRule(0.2, 0.1);

  public boolean pays(double gainPoints, double latencyPercent) {
    return gainPoints >= minGainPoints && (latencyPercent <= 0 || gainPoints / latencyPercent >= pointsPerPercent);
  }

  public String describe() {
    return String.format("keep when top-1 gain >= %.2f points and >= %.2f points per %% latency added", minGainPoints,
        pointsPerPercent);
  }
}
