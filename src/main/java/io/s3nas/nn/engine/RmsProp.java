package io.s3nas.nn.engine;

/**
 * TensorFlow's RMSProp with momentum (docs/method.md §6.1): {@code ms ← ρ·ms + (1−ρ)·g²},
 * {@code mom ← μ·mom + lr·g/√(ms + ε)}, {@code w ← w − mom}. As in TensorFlow the mean square
 * starts at 1 (PyTorch starts it at 0), which keeps the first steps small.
 */
public final class RmsProp {
  private final double decay;
  private final double momentum;
  private final double epsilon;

  public RmsProp(double decay, double momentum, double epsilon) {
    this.decay = decay;
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  /** Slots of one float tensor. */
  public static final class FloatSlots {
    public final float[] ms;
    public final float[] mom;

    public FloatSlots(int n) {
      ms = new float[n];
      java.util.Arrays.fill(ms, 1f);
      mom = new float[n];
    }
  }

  /** Slots of one double tensor (thresholds). */
  public static final class DoubleSlots {
    public final double[] ms;
    public final double[] mom;

    public DoubleSlots(int n) {
      ms = new double[n];
      java.util.Arrays.fill(ms, 1.0);
      mom = new double[n];
    }
  }

  public void update(float[] w, float[] g, FloatSlots s, double lr, double scale) {
    float rho = (float) decay;
    float mu = (float) momentum;
    float eps = (float) epsilon;
    float lrf = (float) lr;
    float sc = (float) scale;
    for (int i = 0; i < w.length; i++) {
      float gi = g[i] * sc;
      s.ms[i] = rho * s.ms[i] + (1 - rho) * gi * gi;
      s.mom[i] = mu * s.mom[i] + lrf * gi / (float) Math.sqrt(s.ms[i] + eps);
      w[i] -= s.mom[i];
    }
  }

  public void update(double[] w, double[] g, DoubleSlots s, double lr, double scale, boolean[] frozen) {
    for (int i = 0; i < w.length; i++) {
      if (frozen != null && frozen[i]) {
        continue;
      }
      double gi = g[i] * scale;
      s.ms[i] = decay * s.ms[i] + (1 - decay) * gi * gi;
      s.mom[i] = momentum * s.mom[i] + lr * gi / Math.sqrt(s.ms[i] + epsilon);
      w[i] -= s.mom[i];
    }
  }

  /**
   * RMSProp's step with a mean square given from outside (one shared by a group of tensors) instead of
   * each element's own; the group's elements then keep their gradients' relative sizes.
   */
  public void update(double[] w, double[] g, DoubleSlots s, double lr, double scale, boolean[] frozen,
                     double sharedMeanSquare) {
    double denominator = Math.sqrt(sharedMeanSquare + epsilon);
    for (int i = 0; i < w.length; i++) {
      if (frozen != null && frozen[i]) {
        continue;
      }
      s.mom[i] = momentum * s.mom[i] + lr * g[i] * scale / denominator;
      w[i] -= s.mom[i];
    }
  }
}
