package io.s3nas.actors;

import io.s3nas.data.Dataset;
import io.s3nas.data.Datasets;
import io.s3nas.data.FashionMnist;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelSpec;
import io.s3nas.stages.FinalData;
import java.nio.file.Path;

/** The images a search's stages train on, read from its spec (on the stage's worker thread). */
final class SearchInputs {
  private SearchInputs() {}

  /** The supernet's data, at the supernet's own resolution; the training split cut to the spec's limit. */
  static FashionMnist.Splits supernet(SearchSpec s, ModelSpec supernet) {
    FashionMnist.Splits d = load(s, supernet.imgSize(), supernet.imgChannels(), supernet.numClasses(), s.supernet(),
        false);
    Dataset train = s.trainLimit() > 0 ? d.train().head(s.trainLimit()) : d.train();
    return new FashionMnist.Splits(train, d.test());
  }

  /** A network's training, probe and test data, resized to its resolution (docs/method.md §6.3). */
  static FinalData network(SearchSpec s, Architecture a) {
    FashionMnist.Splits d = load(s, a.spec().imgSize(), a.spec().imgChannels(), a.spec().numClasses(), "the network",
        true);
    return FinalData.of(d, s.trainLimit(), s.settings().probeImages(), s.seed());
  }

  private static FashionMnist.Splits load(SearchSpec s, int size, int channels, int classes, String name,
                                          boolean resize) {
    return Datasets.load("dataset", s.dataset(), s.dataPath() == null ? null : Path.of(s.dataPath()), size, channels,
        classes, name, s.seed(), resize);
  }
}
