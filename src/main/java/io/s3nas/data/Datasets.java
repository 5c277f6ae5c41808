package io.s3nas.data;

import io.s3nas.common.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a dataset by name ({@code fashion-mnist}, {@code cifar10}, {@code folder}) checked against
 * the input a network expects: image size, channels and classes, with optional resizing for
 * resolution-scaled networks. A class-folder dataset without {@code train/} and {@code test/} gets a
 * seeded 10% test hold-out.
 */
public final class Datasets {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Datasets.class);

  private Datasets() {}

  /**
   * The light augmentation for a named dataset: shifts of up to 2 pixels everywhere; horizontal flips
   * only where a mirrored image is still an image of the same class (clothing, CIFAR objects), not for
   * user folders, which may hold digits or text.
   */
  public static Augmentation augmentation(String dataset) {
    return new Augmentation(2, dataset.equals("fashion-mnist") || dataset.equals("cifar10"));
  }

  /**
   * @param flag how the user named the dataset (for messages, e.g. {@code --dataset} or a config key)
   * @param data the folder (null: the Debian package's folder for fashion-mnist)
   */
  public static FashionMnist.Splits load(String flag, String dataset, Path data, int imgSize, int channels, int classes,
                                         String modelName, long seed, boolean resize) {
    long t0 = System.nanoTime();
    FashionMnist.Splits s = switch (dataset) {
      case "fashion-mnist" -> FashionMnist.load(data != null ? data : FashionMnist.DEBIAN_DIR);
      case "cifar10" -> Cifar10.load(require(flag, dataset, data));
      case "folder" -> folder(require(flag, dataset, data), imgSize, channels, seed);
      default -> throw new InvalidInputException(flag, null, "fashion-mnist, cifar10 or folder, got '" + dataset + "'");
    };
    LOG.info("{}: {} training and {} test images read in {} ms", dataset, s.train().size(), s.test().size(),
        (System.nanoTime() - t0) / 1_000_000);
    if (resize && s.train().channels() == channels) {
      s = new FashionMnist.Splits(s.train().resized(imgSize), s.test().resized(imgSize));
    }
    Dataset d = s.train();
    if (d.channels() != channels || d.height() != imgSize || d.width() != imgSize) {
      throw new InvalidInputException(flag, null, String.format("%s images are %dx%dx%d but %s expects %dx%dx%d%s",
          dataset, d.height(), d.width(), d.channels(), modelName, imgSize, imgSize, channels,
          d.channels() == channels ? " (--resize resizes them)" : ""));
    }
    if (d.numClasses() != classes) {
      throw new InvalidInputException(flag, null, dataset + " has " + d.numClasses() + " classes but " + modelName
          + " has n_classes " + classes);
    }
    return s;
  }

  private static FashionMnist.Splits folder(Path dir, int imgSize, int channels, long seed) {
    if (Files.isDirectory(dir.resolve("train")) && Files.isDirectory(dir.resolve("test"))) {
      return new FashionMnist.Splits(ImageFolder.load(dir.resolve("train"), imgSize, channels),
          ImageFolder.load(dir.resolve("test"), imgSize, channels));
    }
    Splits.TrainValidation tv = Splits.holdOut(ImageFolder.load(dir, imgSize, channels), 0.1, seed);
    return new FashionMnist.Splits(tv.train(), tv.validation());
  }

  private static Path require(String flag, String dataset, Path data) {
    if (data == null) {
      throw new InvalidInputException(flag, null, "dataset " + dataset + " needs a data folder (--data DIR)");
    }
    return data;
  }
}
