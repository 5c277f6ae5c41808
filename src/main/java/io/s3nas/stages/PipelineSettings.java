package io.s3nas.stages;

import io.s3nas.latency.MeasurementPolicy;
import java.util.List;

/**
 * Every engine setting a whole search uses beyond its phases' lengths, each a search-config key
 * (docs/cli.md, "Search config keys") with the default given here. The pipeline holds no engine
 * constants of its own: what a stage does is decided by its request, built from these.
 *
 * @param threads compute threads of every stage ({@code threads}; default: this machine's cores)
 * @param validationShare share of the training images held out from the supernet to draw its
 *     validation curve ({@code validation-share}, 0.1)
 * @param searchLearningRate RMSProp step size of the supernet ({@code search-learning-rate}; 0 =
 *     the paper's 0.016 per 256 images, docs/method.md §6.1)
 * @param thresholdLrScale the thresholds' learning rate over the weights' ({@code threshold-lr-scale})
 * @param searchStartMargin how far below its norm each threshold starts the search phase
 *     ({@code search-start-margin}; 0 = where the warm-up left it, the paper's; docs/method.md §2.2)
 * @param deriveWithinTarget derive from the last search step whose decisions meet the target
 *     ({@code derive-within-target}, true; false: the last step, the paper's)
 * @param latencyLambda λ of the latency term ({@code latency-lambda}, 150; the paper 15: docs/method.md §5.2)
 * @param latencyMultiplier m of the latency term ({@code latency-multiplier}, 10; the paper 100)
 * @param finalLearningRate RMSProp step size of final training ({@code final-learning-rate}; 0 =
 *     the paper's 0.016 per 256 images, docs/method.md §6.3)
 * @param finalDropout final-layer dropout of the trained network ({@code final-dropout}, 0.2)
 * @param finalDropConnect drop-connect of its last block ({@code final-drop-connect}, 0.2)
 * @param budgetMargin share of the budget a measured network must leave free, for the noise of
 *     measurement on a shared machine ({@code budget-margin}, 0.03)
 * @param calibrationNetworks whole networks the latency calibration is fitted on
 *     ({@code calibration-networks}, 12)
 * @param calibrationHeldOut whole networks that measure the calibration's own error
 *     ({@code calibration-held-out}, 8)
 * @param scalingStageExtra blocks scaling may add to each stage besides the uniform depths
 *     ({@code scaling-stage-extra}, 1)
 * @param scalingMaxMacs the scaled network's multiply-adds at most this many times the derived
 *     network's ({@code scaling-max-macs}; 0 = no limit): training time grows with them, and on a
 *     platform whose latency is mostly per-operation overhead a budget alone allows very wide nets
 * @param postprocessChanges the changes post-processing tries ({@code postprocess-changes}:
 *     {@code se-last}, {@code se-all}, {@code se:<stage>}, {@code hswish})
 * @param seRatio SE squeeze ratio of the SE changes ({@code se-ratio}, 0.25)
 * @param probeImages training images held out to decide post-processing on ({@code probe-images}, 5000)
 * @param probeBaseShare share of the final training's steps the base network trains before the
 *     changes are tried on it ({@code probe-base-share}, 0.4)
 * @param probeArmShare share of those steps each change (and the unchanged base) then trains for
 *     ({@code probe-arm-share}, 0.1)
 * @param probeMinTop1 held-out top-1 the trained base must reach for a probe to decide anything
 *     ({@code probe-min-top1}; 0 = halfway from chance to 100%)
 * @param minGainPoints least top-1 gain, in points, a change must surely bring ({@code min-gain-points}, 0.2)
 * @param pointsPerPercent least gain per percent of latency it adds ({@code points-per-percent}, 0.1)
 * @param rmseRelative SE is removed where its excitation spread is below this share of the median
 *     block's ({@code rmse-relative}, 0.25)
 * @param onnxTolerance largest difference allowed between ONNX Runtime's and ND4J's outputs of the
 *     exported network ({@code onnx-tolerance}, 1e-4)
 * @param checkpointKeep checkpoints kept per stage run, the newest and those to fall back to when it
 *     is damaged ({@code checkpoint-keep}, 3); a stage's last checkpoint and post-processing's warm
 *     start, which the journal names, are never pruned (0 in events written before the key: 3)
 * @param measurement which candidates are measured whole on a measurable platform
 *     ({@code latency-measurement}, gated; {@code gate-allowance}, 0.10; {@code gate-final-check},
 *     false: {@link MeasurementPolicy}); events written before the keys measured everything
 */
public record PipelineSettings(int threads, double validationShare, double searchLearningRate,
                               double thresholdLrScale, double searchStartMargin, boolean deriveWithinTarget,
                               double latencyLambda, double latencyMultiplier,
                               double finalLearningRate, double finalDropout, double finalDropConnect,
                               double budgetMargin, int calibrationNetworks, int calibrationHeldOut,
                               int scalingStageExtra, double scalingMaxMacs, List<String> postprocessChanges,
                               double seRatio,
                               int probeImages, double probeBaseShare, double probeArmShare, double probeMinTop1,
                               double minGainPoints, double pointsPerPercent, double rmseRelative,
                               double onnxTolerance, int checkpointKeep, MeasurementPolicy measurement) {
  /** Checkpoints kept per stage run unless a config says otherwise. */
  public static final int CHECKPOINT_KEEP = io.s3nas.checkpoint.RunCheckpoints.KEEP;

  public PipelineSettings {
    postprocessChanges = List.copyOf(postprocessChanges);
    if (checkpointKeep <= 0) {
      checkpointKeep = CHECKPOINT_KEEP; // settings persisted before the key existed
    }
    if (measurement == null) {
      measurement = MeasurementPolicy.ALL; // what searches persisted before the keys existed did
    }
  }

  /** These settings measuring by {@code policy}. */
  public PipelineSettings withMeasurement(MeasurementPolicy policy) {
    return new PipelineSettings(threads, validationShare, searchLearningRate, thresholdLrScale, searchStartMargin,
        deriveWithinTarget, latencyLambda, latencyMultiplier, finalLearningRate, finalDropout, finalDropConnect,
        budgetMargin, calibrationNetworks, calibrationHeldOut, scalingStageExtra, scalingMaxMacs, postprocessChanges,
        seRatio, probeImages, probeBaseShare, probeArmShare, probeMinTop1, minGainPoints, pointsPerPercent, rmseRelative,
        onnxTolerance, checkpointKeep, policy);
  }

  /** This machine's cores, the default of {@code threads}. */
  public static int machineThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  public static PipelineSettings defaults() {
    return new PipelineSettings(machineThreads(), 0.1, 0, 1, 1, true, 150, 10, 0, 0.2, 0.2, 0.03, 12, 8, 1, 0,
        List.of("se-last", "hswish"), 0.25, 5000, 0.4, 0.1, 0, 0.2, 0.1, 0.25, 1e-4, CHECKPOINT_KEEP,
        MeasurementPolicy.defaults());
  }
}
