package io.s3nas.nn.engine;

import io.s3nas.space.Activation;

/**
 * Element-wise activations of the final networks (docs/method.md §9) and their derivatives, as the
 * reference defines them: {@code hsw = x·relu6(x+3)/6}, {@code hsigmoid = relu6(x+3)·(1/6)},
 * {@code sw = x·σ(x)}. ReLU on BN outputs goes through the fused BN kernel instead.
 */
public final class Act {
  private Act() {}

  public static float apply(Activation a, float x) {
    return switch (a) {
      case RELU -> Math.max(0f, x);
      case RELU6 -> Math.min(6f, Math.max(0f, x));
      case SWISH -> x * sigmoid(x);
      case HSWISH -> x * Math.min(6f, Math.max(0f, x + 3f)) / 6f;
      case HSIGMOID -> Math.min(6f, Math.max(0f, x + 3f)) * (1f / 6f);
      case SIGMOID -> sigmoid(x);
    };
  }

  /** d act(x) / dx (the kinks take the left derivative, as the frameworks do). */
  public static float derivative(Activation a, float x) {
    return switch (a) {
      case RELU -> x > 0 ? 1f : 0f;
      case RELU6 -> x > 0 && x < 6 ? 1f : 0f;
      case SWISH -> {
        float s = sigmoid(x);
        yield s + x * s * (1 - s);
      }
      case HSWISH -> x < -3f ? 0f : x > 3f ? 1f : (2 * x + 3f) / 6f;
      case HSIGMOID -> x > -3f && x < 3f ? 1f / 6f : 0f;
      case SIGMOID -> {
        float s = sigmoid(x);
        yield s * (1 - s);
      }
    };
  }

  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }

  /** y[i] = act(x[i]) for i < n. */
  static void forward(Parallel par, Activation a, float[] x, float[] y, int n) {
    par.forRange(n, (t, from, to) -> {
      for (int i = from; i < to; i++) {
        y[i] = apply(a, x[i]);
      }
    });
  }

  /** dx[i] = dy[i]·act'(x[i]); dx may alias dy. */
  static void backward(Parallel par, Activation a, float[] x, float[] dy, float[] dx, int n) {
    par.forRange(n, (t, from, to) -> {
      for (int i = from; i < to; i++) {
        dx[i] = dy[i] * derivative(a, x[i]);
      }
    });
  }
}
