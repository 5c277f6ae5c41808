package io.s3nas.stages;

/**
 * How long each training phase runs when a search config says {@code auto} (the default): a length
 * from the data's size rather than from ImageNet's epochs, so a dataset of a few hundred images
 * still gets enough optimisation steps and a large one is not trained for hours (docs/cli.md,
 * "Search config keys"):
 *
 * <ul>
 *   <li>warm-up: at least {@value #WARMUP_MIN_STEPS} steps, at least {@value #WARMUP_MIN_EPOCHS} epoch;</li>
 *   <li>search: at least {@value #SEARCH_MIN_STEPS} steps, at least {@value #SEARCH_MIN_EPOCHS} epoch;</li>
 *   <li>final training: at least {@value #FINAL_MIN_STEPS} steps, at least {@value #FINAL_MIN_EPOCHS} epochs.</li>
 * </ul>
 *
 * An explicit number of epochs is used as given. {@link #AUTO} stands for {@code auto} in a spec.
 */
public final class PhaseLength {
  /** A spec's {@code auto}. */
  public static final double AUTO = -1;
  static final int WARMUP_MIN_STEPS = 500;
  static final double WARMUP_MIN_EPOCHS = 1;
  static final int SEARCH_MIN_STEPS = 250;
  static final double SEARCH_MIN_EPOCHS = 0.25;
  static final int FINAL_MIN_STEPS = 1500;
  static final double FINAL_MIN_EPOCHS = 5;

  private PhaseLength() {}

  /** The warm-up's epochs for {@code images} training images at {@code batch}. */
  public static double warmupEpochs(double given, int images, int batch) {
    return given >= 0 ? given : epochs(images, batch, WARMUP_MIN_STEPS, WARMUP_MIN_EPOCHS);
  }

  public static double searchEpochs(double given, int images, int batch) {
    return given >= 0 ? given : epochs(images, batch, SEARCH_MIN_STEPS, SEARCH_MIN_EPOCHS);
  }

  public static double finalEpochs(double given, int images, int batch) {
    return given > 0 ? given : epochs(images, batch, FINAL_MIN_STEPS, FINAL_MIN_EPOCHS);
  }

  private static double epochs(int images, int batch, int minSteps, double minEpochs) {
    int perEpoch = Math.max(1, images / batch);
    return Math.max(minEpochs, (double) minSteps / perEpoch);
  }
}
