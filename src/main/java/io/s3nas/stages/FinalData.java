package io.s3nas.stages;

import io.s3nas.data.Dataset;
import io.s3nas.data.FashionMnist;
import io.s3nas.data.Normalization;
import io.s3nas.data.Splits;

/**
 * The images the final network's stages use, one split for all of them so they agree: post-processing
 * decides on {@code probe} images held out of the training images (stratified, seeded), its base
 * trains on {@code train}, and final training continues on the same {@code train}; {@code test} is only
 * ever evaluated. The normalisation is the training part's.
 */
public record FinalData(Dataset train, Dataset probe, Dataset test, Normalization norm) {
  /** The largest share of the training images held out for probes. */
  static final double MAX_PROBE_SHARE = 0.3;

  /**
   * @param trainLimit the first this many training images only (0: all)
   * @param probeImages images to hold out for probes (capped at {@value #MAX_PROBE_SHARE} of them)
   */
  public static FinalData of(FashionMnist.Splits s, int trainLimit, int probeImages, long seed) {
    Dataset train = trainLimit > 0 && trainLimit < s.train().size() ? s.train().head(trainLimit) : s.train();
    double share = Math.min(MAX_PROBE_SHARE, (double) probeImages / train.size());
    Splits.TrainValidation split = Splits.holdOut(train, share, seed + 0x9E3779B9L);
    return new FinalData(split.train(), split.validation(), s.test(), split.train().statistics());
  }
}
