package io.s3nas.latency;

/**
 * Whole networks timed now, with the machine's drift since its latency table was measured.
 *
 * <p>A shared VM's speed moves by tens of percent between sessions minutes apart, the same for every
 * operator; the table's entries carry the speed of the session that measured them. {@code drift} is
 * the ratio of the current times of some of the networks' own components to their table times,
 * measured in the same interleaved session as the networks, so {@link #inTableUnits} is what the
 * networks would have measured on the table's day — the number an estimate from the table predicts.
 *
 * @param ms each network's latency now, in ms
 * @param drift current component times / table times (1 = same speed; NaN when nothing to compare)
 */
public record NetworkMeasurement(double[] ms, double drift) {
  public NetworkMeasurement {
    ms = ms.clone();
  }

  /** The measurements divided by the drift (as measured when the table was). */
  public double[] inTableUnits() {
    double d = Double.isNaN(drift) || drift <= 0 ? 1 : drift;
    double[] out = new double[ms.length];
    for (int i = 0; i < ms.length; i++) {
      out[i] = ms[i] / d;
    }
    return out;
  }

  @Override
  public double[] ms() {
    return ms.clone();
  }
}
