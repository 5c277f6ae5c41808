package io.s3nas.scaling;

import java.util.List;

/**
 * Compound-scaling coefficients (docs/method.md §8): width {@code w}, depth {@code d} or an explicit
 * per-stage block count list, resolution {@code r}, and the divisors channels and image sizes
 * round to.
 *
 * @param width channel multiplier w (above 1 grows the network; below 1 shrinks it, which only a
 *     network measured over its budget asks for)
 * @param depth per-stage depth multiplier d (≥ 1); ignored when {@code depthList} is given
 * @param depthList explicit block count per stage (each ≥ the stage's count), or null
 * @param resolution input-size multiplier r (like w, below 1 only to shrink)
 * @param filtersDivisor channel counts are multiples of this (8; 16 reproduces ours-L+)
 * @param imgDivisor input sizes are multiples of this (4)
 */
public record Scaling(double width, double depth, List<Integer> depthList, double resolution, int filtersDivisor,
                      int imgDivisor) {
  public Scaling {
    if (!(width >= 0.25) || !(depth >= 1) || !(resolution >= 0.25) || filtersDivisor < 1 || imgDivisor < 1) {
      throw new IllegalArgumentException("w, r >= 0.25, d >= 1 (blocks are only added) and divisors >= 1");
    }
    depthList = depthList == null ? null : List.copyOf(depthList);
  }

  public static Scaling of(double w, double d, double r) {
    return new Scaling(w, d, null, r, 8, 4);
  }

  public Scaling withDivisor(int filters) {
    return new Scaling(width, depth, depthList, resolution, filters, imgDivisor);
  }

  /** The scaled input size: the nearest multiple of the divisor to base·r, at least the divisor. */
  public int imageSize(int base) {
    return Math.max(imgDivisor, (int) Math.floor((base * resolution + imgDivisor / 2.0) / imgDivisor) * imgDivisor);
  }

  /** EfficientNet's round_filters: the nearest multiple of the divisor, never 10% below f·w. */
  public int filters(int f) {
    double scaled = f * width;
    int div = filtersDivisor;
    int r = Math.max(div, (int) Math.floor((scaled + div / 2.0) / div) * div);
    if (r < 0.9 * scaled) {
      r += div;
    }
    return r;
  }

  /** The block count a stage of {@code n} blocks grows to. */
  public int stageDepth(int stage, int n) {
    if (depthList != null) {
      return depthList.get(stage);
    }
    return Math.max(1, (int) Math.floor(n * depth + 0.5));
  }
}
