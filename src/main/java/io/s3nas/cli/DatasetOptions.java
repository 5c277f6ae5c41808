package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Cifar10;
import io.s3nas.data.Dataset;
import io.s3nas.data.FashionMnist;
import io.s3nas.data.ImageFolder;
import io.s3nas.data.Splits;
import io.s3nas.space.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --dataset} and {@code --data}, and loading them checked against a model's input and classes. */
public final class DatasetOptions {
  @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist, cifar10 or folder (default ${DEFAULT-VALUE})")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder (default for fashion-mnist: /usr/share/datasets/fashion-mnist; "
      + "folder: one subfolder per class, or train/ and test/ each holding them)")
  Path data;

  @Option(names = "--resize", description = "Resize the images to the model's input size (a resolution-scaled network)")
  boolean resize;

  /**
   * The training and test parts. A class-folder dataset without {@code train/} and {@code test/}
   * gets a seeded 10% test hold-out.
   */
  FashionMnist.Splits load(ModelSpec model, String modelName, long seed) {
    FashionMnist.Splits s = switch (dataset) {
      case "fashion-mnist" -> FashionMnist.load(data != null ? data : FashionMnist.DEBIAN_DIR);
      case "cifar10" -> Cifar10.load(requireData());
      case "folder" -> folder(model, seed);
      default -> throw new InvalidInputException("--dataset", null, "expected fashion-mnist, cifar10 or folder, got '" + dataset + "'");
    };
    if (resize && s.train().channels() == model.imgChannels()) {
      s = new FashionMnist.Splits(s.train().resized(model.imgSize()), s.test().resized(model.imgSize()));
    }
    check(s.train(), model, modelName);
    return s;
  }

  private FashionMnist.Splits folder(ModelSpec model, long seed) {
    Path dir = requireData();
    if (Files.isDirectory(dir.resolve("train")) && Files.isDirectory(dir.resolve("test"))) {
      return new FashionMnist.Splits(ImageFolder.load(dir.resolve("train"), model.imgSize(), model.imgChannels()),
          ImageFolder.load(dir.resolve("test"), model.imgSize(), model.imgChannels()));
    }
    Splits.TrainValidation tv = Splits.holdOut(ImageFolder.load(dir, model.imgSize(), model.imgChannels()), 0.1, seed);
    return new FashionMnist.Splits(tv.train(), tv.validation());
  }

  private void check(Dataset d, ModelSpec model, String modelName) {
    if (d.channels() != model.imgChannels() || d.height() != model.imgSize() || d.width() != model.imgSize()) {
      throw new InvalidInputException("--dataset", null, String.format("%s images are %dx%dx%d but %s expects %dx%dx%d%s",
          dataset, d.height(), d.width(), d.channels(), modelName, model.imgSize(), model.imgSize(), model.imgChannels(),
          d.channels() == model.imgChannels() ? " (--resize resizes them)" : ""));
    }
    if (d.numClasses() != model.numClasses()) {
      throw new InvalidInputException("--dataset", null, dataset + " has " + d.numClasses() + " classes but " + modelName
          + " has n_classes " + model.numClasses());
    }
  }

  private Path requireData() {
    if (data == null) {
      throw new InvalidInputException("--data", null, "--dataset " + dataset + " needs --data DIR");
    }
    return data;
  }
}
