package io.s3nas.train;

/**
 * The final-training recipe (docs/method.md §6.3) with the paper's values as defaults, its schedule
 * compressed to the epoch budget: the paper warms up 5 of 350 epochs and decays ×0.97 every 2.4 of
 * 350 epochs (to 1.2% of the peak by the end); a run of E epochs keeps those fractions, so a short
 * run still anneals instead of ending at 80% of the peak rate.
 *
 * @param epochs training epochs
 * @param batch images per step
 * @param learningRate peak RMSProp step size; 0.016·batch/256 by default
 * @param warmupEpochs linear warm-up from 0 (5·E/350)
 * @param lrDecay staircase exponential decay factor (0.97) ...
 * @param lrDecayEpochs ... applied every this many epochs (2.4·E/350)
 * @param rmsDecay RMSProp decay (0.9)
 * @param momentum RMSProp momentum (0.9)
 * @param rmsEpsilon RMSProp epsilon inside the square root (1e-3)
 * @param weightDecay L2 on every non-BN tensor (1e-5)
 * @param labelSmoothing (0.1)
 * @param emaDecay moving average of weights and BN statistics used for evaluation (0.9999, with
 *     TensorFlow's num_updates ramp min(decay, (1+t)/(10+t)))
 * @param dropout final-layer dropout (0.2)
 * @param dropConnect drop-connect of the last block; block i of N gets dropConnect·i/N (0.2)
 * @param bnMomentum (0.99)
 * @param bnEpsilon (1e-3)
 * @param threads compute threads
 * @param seed seeds weights, data order, augmentation, dropout and drop-connect
 */
public record TrainingSettings(double epochs, int batch, double learningRate, double warmupEpochs, double lrDecay,
                               double lrDecayEpochs, double rmsDecay, double momentum, double rmsEpsilon,
                               double weightDecay, double labelSmoothing, double emaDecay, double dropout,
                               double dropConnect, double bnMomentum, double bnEpsilon, int threads, long seed) {
  public TrainingSettings {
    if (!(epochs > 0) || batch < 1 || !(learningRate > 0) || warmupEpochs < 0 || !(lrDecayEpochs > 0) || threads < 1
        || dropout < 0 || dropout >= 1 || dropConnect < 0 || dropConnect >= 1 || emaDecay < 0 || emaDecay >= 1) {
      throw new IllegalArgumentException("epochs > 0, batch >= 1, learning rate > 0, decay epochs > 0, threads >= 1, "
          + "dropout, drop-connect and EMA decay in [0, 1)");
    }
  }

  public static TrainingSettings defaults(double epochs, int batch, int threads, long seed) {
    return new TrainingSettings(epochs, batch, 0.016 * batch / 256.0, 5 * epochs / 350, 0.97, 2.4 * epochs / 350,
        0.9, 0.9, 1e-3, 1e-5, 0.1, 0.9999, 0.2, 0.2, 0.99, 1e-3, threads, seed);
  }

  public TrainingSettings withLearningRate(double lr) {
    return new TrainingSettings(epochs, batch, lr, warmupEpochs, lrDecay, lrDecayEpochs, rmsDecay, momentum,
        rmsEpsilon, weightDecay, labelSmoothing, emaDecay, dropout, dropConnect, bnMomentum, bnEpsilon, threads, seed);
  }

  /**
   * The same recipe with other regularisation: the paper's 0.2/0.2 suit 350 ImageNet epochs, while a
   * run of a few epochs on a small dataset may underfit under them.
   */
  public TrainingSettings withRegularization(double dropout, double dropConnect) {
    return new TrainingSettings(epochs, batch, learningRate, warmupEpochs, lrDecay, lrDecayEpochs, rmsDecay, momentum,
        rmsEpsilon, weightDecay, labelSmoothing, emaDecay, dropout, dropConnect, bnMomentum, bnEpsilon, threads, seed);
  }

  /** The learning rate after {@code step} steps of {@code stepsPerEpoch}. */
  public double learningRateAt(long step, int stepsPerEpoch) {
    double epoch = (double) step / stepsPerEpoch;
    if (epoch < warmupEpochs) {
      return learningRate * epoch / warmupEpochs;
    }
    return learningRate * Math.pow(lrDecay, Math.floor(epoch / lrDecayEpochs));
  }
}
