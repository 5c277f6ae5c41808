package io.s3nas.stages;

import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.data.Augmentation;
import io.s3nas.space.Architecture;
import io.s3nas.train.FinalTraining;
import io.s3nas.train.ModelFile;
import io.s3nas.train.TrainingSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Final training (docs/method.md §6.3) as one service for {@code s3nas train} and the search
 * pipeline: the recipe with a search config's settings, continued from post-processing's trained
 * base when there is one (its schedule goes on at its step), checkpointed; writes the model file.
 */
public final class FinalTrainingStage {
  private FinalTrainingStage() {}

  /** The final-training recipe of a pipeline's settings: the paper's, with what a config changes. */
  public static TrainingSettings settings(PipelineSettings p, double epochs, int batch, long seed) {
    TrainingSettings t = TrainingSettings.defaults(epochs, batch, p.threads(), seed)
        .withRegularization(p.finalDropout(), p.finalDropConnect());
    return p.finalLearningRate() > 0 ? t.withLearningRate(p.finalLearningRate()) : t;
  }

  /**
   * @param warmStart the state to continue from when {@code ck} has no checkpoint yet (null: step 0)
   */
  public static FinalTraining.Result run(Architecture arch, FinalData data, Augmentation aug, TrainingSettings settings,
                                         RunCheckpoints ck, TensorArchive warmStart,
                                         Consumer<FinalTraining.Progress> progress) {
    return FinalTraining.run(arch, data.train(), data.test(), data.norm(), aug, settings, ck, progress, warmStart,
        Long.MAX_VALUE);
  }

  /** Writes the trained model. */
  public static void write(FinalTraining.Result r, Path file) {
    try {
      ModelFile.write(r.model(), file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
