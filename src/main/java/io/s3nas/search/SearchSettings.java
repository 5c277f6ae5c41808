package io.s3nas.search;

/**
 * Settings of the single-path search (docs/method.md §6.1), with the paper's values as defaults and the
 * learning rate scaled to the batch (0.016 per 256 images).
 *
 * @param batch images per step
 * @param learningRate RMSProp step size; 0.016·batch/256 by default
 * @param lrDecay staircase exponential decay factor (0.97) ...
 * @param lrDecayEpochs ... applied every this many epochs (2.4)
 * @param rmsDecay RMSProp decay (0.9)
 * @param momentum RMSProp momentum (0.9)
 * @param rmsEpsilon RMSProp epsilon, inside the square root as in TensorFlow (1e-3)
 * @param weightDecay L2 coefficient on every non-BN tensor, thresholds included (1e-5)
 * @param labelSmoothing (0.1)
 * @param clipNorm global gradient-norm clip in the warm-up (10; 0 = off)
 * @param latencyLambda λ of the latency term (15)
 * @param latencyMultiplier m of the latency term (100)
 * @param targetMs the search target T in ms
 * @param dropout final-layer dropout (0.2)
 * @param bnMomentum running-statistics momentum (0.99, TensorFlow convention)
 * @param bnEpsilon (1e-3)
 * @param scaleKeptIndicators scale kept indicators by 1/(1−rate) in the warm-up, as tf.nn.dropout
 * @param threads compute threads
 * @param seed seeds weights, data order, dropout and indicator dropout
 * @param thresholdLrScale the thresholds' learning rate relative to the weights' (1 = the paper's
 *     single optimiser; larger lets short CPU runs move thresholds as far as the paper's 2,500
 *     ImageNet steps at batch 1024 do)
 * @param thresholdStartMargin at the first search step every threshold is placed this far below
 *     its norm ({@link SupernetTrainer#startSearch}; 0 = left where the warm-up left it, the paper's)
 * @param deriveWithinTarget derive from the last step whose decisions meet the target (false: the
 *     last step, the paper's), so a search that oscillates around its target hands back a network
 *     that meets it
 * @param startSpread how far apart the search start places the thresholds, by each decision's
 *     accuracy per ms ({@link SupernetTrainer#startSearch}): the least valuable decision starts
 *     {@code startSpread} times closer to its norm than the margin, the most valuable that many times
 *     farther, log-uniformly by rank (1 = every threshold the same margin below its norm)
 * @param startProbeBatches training batches over which the search start measures each decision's
 *     effect on the loss (first-order) when {@code startSpread > 1}
 * @param targetAnneal the share of the search phase over which the latency target descends, linearly,
 *     from the supernet's slowest architecture to {@code targetMs} ({@link SinglePathSearch#targetAt};
 *     0 = the target from the first search step, the paper's)
 * @param sharedThresholdScale divide every threshold's RMSProp step by one running mean square shared
 *     by all thresholds instead of each threshold's own (false, the paper's): the steps then keep the
 *     gradients' relative sizes, so a decision that saves more latency, or costs more accuracy, moves
 *     faster than one that saves less ({@link SupernetTrainer}; docs/method.md §2.2)
 * @param latencyOnlyThresholds an ablation, not a method: the thresholds follow the latency term's
 *     gradient alone, the cross-entropy's part removed (false: both, the paper's); a search whose
 *     decisions come out the same with it on is one whose accuracy term moved no threshold
 */
public record SearchSettings(int batch, double learningRate, double lrDecay, double lrDecayEpochs, double rmsDecay,
                             double momentum, double rmsEpsilon, double weightDecay, double labelSmoothing,
                             double clipNorm, double latencyLambda, double latencyMultiplier, double targetMs,
                             double dropout, double bnMomentum, double bnEpsilon, boolean scaleKeptIndicators,
                             int threads, long seed, double thresholdLrScale, double thresholdStartMargin,
                             boolean deriveWithinTarget, double startSpread, int startProbeBatches,
                             double targetAnneal, boolean sharedThresholdScale, boolean latencyOnlyThresholds) {

  public SearchSettings {
    if (batch < 1 || !(learningRate > 0) || !(thresholdLrScale > 0) || threads < 1
        || !(targetAnneal >= 0 && targetAnneal <= 1) || !(startSpread >= 1) || startProbeBatches < 1) {
      throw new IllegalArgumentException("batch >= 1, learning rate > 0, threshold LR scale > 0, threads >= 1, "
          + "0 <= target anneal <= 1, start spread >= 1, start probe batches >= 1");
    }
  }

  public static SearchSettings defaults(int batch, double targetMs, int threads, long seed) {
    return new SearchSettings(batch, 0.016 * batch / 256.0, 0.97, 2.4, 0.9, 0.9, 1e-3, 1e-5, 0.1, 10, 15, 100,
        targetMs, 0.2, 0.99, 1e-3, true, threads, seed, 1.0, 0, false, 1, 8, 0, false, false);
  }

  public SearchSettings withLearningRate(double lr) {
    return new SearchSettings(batch, lr, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, latencyLambda, latencyMultiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, thresholdLrScale, thresholdStartMargin, deriveWithinTarget, startSpread, startProbeBatches, targetAnneal, sharedThresholdScale, latencyOnlyThresholds);
  }

  /** The same settings with the latency term's λ and m. */
  public SearchSettings withLatencyLoss(double lambda, double multiplier) {
    return new SearchSettings(batch, learningRate, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, lambda, multiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, thresholdLrScale, thresholdStartMargin, deriveWithinTarget, startSpread, startProbeBatches, targetAnneal, sharedThresholdScale, latencyOnlyThresholds);
  }

  /** The same settings with the search phase's start and derivation ({@link #thresholdStartMargin}). */
  public SearchSettings withSearchStart(double margin, boolean withinTarget) {
    return new SearchSettings(batch, learningRate, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, latencyLambda, latencyMultiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, thresholdLrScale, margin, withinTarget, startSpread, startProbeBatches,
        targetAnneal, sharedThresholdScale, latencyOnlyThresholds);
  }

  public SearchSettings withThresholdLrScale(double scale) {
    return new SearchSettings(batch, learningRate, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, latencyLambda, latencyMultiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, scale, thresholdStartMargin, deriveWithinTarget, startSpread, startProbeBatches, targetAnneal, sharedThresholdScale, latencyOnlyThresholds);
  }

  /** The same settings with the target's descent over the first {@code share} of the search phase. */
  public SearchSettings withTargetAnneal(double share) {
    return new SearchSettings(batch, learningRate, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, latencyLambda, latencyMultiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, thresholdLrScale, thresholdStartMargin, deriveWithinTarget, startSpread,
        startProbeBatches, share, sharedThresholdScale, latencyOnlyThresholds);
  }

  /** The same settings with the search start's spread of margins by accuracy per ms. */
  public SearchSettings withStartSpread(double spread) {
    return new SearchSettings(batch, learningRate, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, latencyLambda, latencyMultiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, thresholdLrScale, thresholdStartMargin, deriveWithinTarget, spread,
        startProbeBatches, targetAnneal, sharedThresholdScale, latencyOnlyThresholds);
  }

  /** The same settings with one mean square shared by every threshold's step ({@link #sharedThresholdScale}). */
  public SearchSettings withSharedThresholdScale(boolean shared) {
    return new SearchSettings(batch, learningRate, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, latencyLambda, latencyMultiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, thresholdLrScale, thresholdStartMargin, deriveWithinTarget, startSpread,
        startProbeBatches, targetAnneal, shared, latencyOnlyThresholds);
  }

  /** The same settings with the ablation that removes the accuracy term from the thresholds' gradient. */
  public SearchSettings withLatencyOnlyThresholds(boolean on) {
    return new SearchSettings(batch, learningRate, lrDecay, lrDecayEpochs, rmsDecay, momentum, rmsEpsilon, weightDecay,
        labelSmoothing, clipNorm, latencyLambda, latencyMultiplier, targetMs, dropout, bnMomentum, bnEpsilon,
        scaleKeptIndicators, threads, seed, thresholdLrScale, thresholdStartMargin, deriveWithinTarget, startSpread,
        startProbeBatches, targetAnneal, sharedThresholdScale, on);
  }
}
