package io.s3nas.cli;

import io.s3nas.data.Datasets;
import io.s3nas.data.FashionMnist;
import io.s3nas.space.ModelSpec;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --dataset}, {@code --data} and {@code --resize}, loaded and checked against a model's input and classes. */
public final class DatasetOptions {
  @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist, cifar10 or folder (default ${DEFAULT-VALUE})")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist; "
      + "folder: one subfolder per class, or train/ and test/ each holding them)")
  Path data;

  @Option(names = "--resize", description = "Resize the images to the model's input size (a resolution-scaled network)")
  boolean resize;

  FashionMnist.Splits load(ModelSpec model, String modelName, long seed) {
    return Datasets.load("--dataset", dataset, data, model.imgSize(), model.imgChannels(), model.numClasses(), modelName,
        seed, resize);
  }
}
