package io.s3nas.postprocess;

/**
 * The top-1 gain of a changed network over its base on the same held-out images, paired: each image
 * counts +1 where only the change is right, −1 where only the base is, 0 where both agree. The mean
 * of those is the gain; its 95% interval is the normal one, mean ± 1.96 · sd / √n, which for
 * thousands of images and a discordant share above a few percent is what McNemar's test rests on
 * too. Pairing removes the images both classify alike (most of them) from the noise, so the
 * interval is several times narrower than comparing two independent accuracies.
 *
 * @param points gain in top-1 points (100 × mean)
 * @param lowerPoints lower end of the 95% interval, in points
 * @param upperPoints upper end, in points
 * @param images held-out images compared
 * @param onlyChangeRight images only the changed network classifies right
 * @param onlyBaseRight images only the base classifies right
 */
public record PairedGain(double points, double lowerPoints, double upperPoints, int images, int onlyChangeRight,
                         int onlyBaseRight) {
  static final double Z95 = 1.959964;

  public static PairedGain of(boolean[] base, boolean[] changed) {
    if (base.length != changed.length || base.length == 0) {
      throw new IllegalArgumentException("paired comparisons need the same, non-empty image set");
    }
    int up = 0;
    int down = 0;
    for (int i = 0; i < base.length; i++) {
      if (changed[i] && !base[i]) {
        up++;
      } else if (base[i] && !changed[i]) {
        down++;
      }
    }
    int n = base.length;
    double mean = (double) (up - down) / n;
    double meanSq = (double) (up + down) / n;
    double var = n > 1 ? (meanSq - mean * mean) * n / (n - 1) : 0;
    double half = Z95 * Math.sqrt(Math.max(0, var) / n);
    return new PairedGain(100 * mean, 100 * (mean - half), 100 * (mean + half), n, up, down);
  }
}
