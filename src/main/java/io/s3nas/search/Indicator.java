package io.s3nas.search;

/**
 * The threshold indicator of Single-Path NAS (docs/method.md §2.1): {@code g(x) = 1[x ≥ 0]} forward,
 * the sigmoid's derivative backward (straight-through estimator).
 *
 * <p>The derivative is computed as σ(x)·σ(−x): equal to σ(x)(1 − σ(x)), but it does not round to 0
 * for x above ~17 in float arithmetic (docs/method.md §13.7), where wide channel groups sit at
 * initialisation and their thresholds would otherwise never move.
 */
public final class Indicator {
  private Indicator() {}

  /** Forward value: 1 when x ≥ 0 (the reference uses ≥), else 0. */
  public static double hard(double x) {
    return x >= 0 ? 1.0 : 0.0;
  }

  /** The smooth stand-in whose derivative the backward pass uses. */
  public static double sigmoid(double x) {
    return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
  }

  /** Backward: σ'(x) = σ(x)·σ(−x). */
  public static double surrogateGradient(double x) {
    return sigmoid(x) * sigmoid(-x);
  }
}
