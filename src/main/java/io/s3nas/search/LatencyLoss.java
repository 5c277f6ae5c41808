package io.s3nas.search;

/**
 * The S3NAS latency-aware term (docs/method.md §5.2): {@code λ · ln(1 + m · ReLU(L − T))}, a hinge
 * that is exactly 0 (with zero gradient) while the expected latency L is at or below the target T,
 * with gradient λ·m / (1 + m(L − T)) per ms above it (about 1500/ms just above T for the paper's
 * λ = 15, m = 100), saturating logarithmically.
 */
public record LatencyLoss(double lambda, double multiplier, double targetMs) {

  public LatencyLoss {
    if (lambda < 0 || multiplier <= 0 || !(targetMs > 0)) {
      throw new IllegalArgumentException("lambda >= 0, multiplier > 0 and a positive target are required");
    }
  }

  /** The paper's defaults: λ = 15, m = 100. */
  public static LatencyLoss paperDefaults(double targetMs) {
    return new LatencyLoss(15, 100, targetMs);
  }

  public double value(double latencyMs) {
    double over = Math.max(0, latencyMs - targetMs);
    return lambda * Math.log1p(multiplier * over);
  }

  /** ∂loss/∂L. */
  public double gradient(double latencyMs) {
    double over = latencyMs - targetMs;
    return over > 0 ? lambda * multiplier / (1 + multiplier * over) : 0;
  }
}
