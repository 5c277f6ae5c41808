package io.s3nas.nn.engine;

/** Mean softmax cross-entropy with label smoothing ε (targets (1−ε)·onehot + ε/K), and its gradient. */
public final class SoftmaxCrossEntropy {
  private SoftmaxCrossEntropy() {}

  /** Returns the mean loss; writes ∂loss/∂logits into {@code grad}. */
  public static double lossAndGradient(float[] logits, int[] labels, int classes, double smoothing, float[] grad) {
    int n = labels.length;
    double total = 0;
    double off = smoothing / classes;
    double on = 1 - smoothing + off;
    for (int b = 0; b < n; b++) {
      int o = b * classes;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[o + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[o + c] - max);
      }
      double logZ = max + Math.log(sum);
      for (int c = 0; c < classes; c++) {
        double t = c == labels[b] ? on : off;
        double logp = logits[o + c] - logZ;
        total -= t * logp;
        grad[o + c] = (float) ((Math.exp(logp) - t) / n);
      }
    }
    return total / n;
  }
}
