package io.s3nas.train;

/** Arg-max predictions of logits rows. */
public final class Predictions {
  private Predictions() {}

  public static int argmax(float[] logits, int row, int classes) {
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (logits[row * classes + c] > logits[row * classes + best]) {
        best = c;
      }
    }
    return best;
  }

  /** How many rows' arg-max equals the label. */
  public static int correct(float[] logits, int[] labels) {
    int classes = logits.length / labels.length;
    int ok = 0;
    for (int i = 0; i < labels.length; i++) {
      ok += argmax(logits, i, classes) == labels[i] ? 1 : 0;
    }
    return ok;
  }
}
