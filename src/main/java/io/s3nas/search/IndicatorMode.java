package io.s3nas.search;

/**
 * How indicators are evaluated in a forward pass.
 *
 * <ul>
 *   <li>{@code HARD}: {@code 1[x ≥ 0]} (training and derivation; docs/method.md §2.1);</li>
 *   <li>{@code SOFT}: {@code σ(x)}, whose true derivative the STE backward uses; only for gradient
 *       checks, where finite differences of the soft forward must equal the analytic backward.</li>
 * </ul>
 */
public enum IndicatorMode {
  HARD,
  SOFT;

  double apply(double x) {
    return this == HARD ? Indicator.hard(x) : Indicator.sigmoid(x);
  }
}
