package io.s3nas.data;

import io.s3nas.common.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Fashion-MNIST from the IDX files of Debian's {@code dataset-fashion-mnist} package or any folder. */
public final class FashionMnist {
  public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  public static final List<String> CLASSES = List.of("t-shirt/top", "trouser", "pullover", "dress", "coat",
      "sandal", "shirt", "sneaker", "bag", "ankle boot");

  private FashionMnist() {}

  /** The train and test splits. */
  public record Splits(Dataset train, Dataset test) {}

  public static Splits load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException(dir.toString(), null, "Fashion-MNIST folder not found; install it with "
          + "'apt-get install dataset-fashion-mnist' (files land in " + DEBIAN_DIR + ") or pass a folder holding "
          + "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]");
    }
    Dataset train = IdxFile.load(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte"),
        "fashion-mnist/train", CLASSES);
    Dataset test = IdxFile.load(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"),
        "fashion-mnist/test", CLASSES);
    return new Splits(train, test);
  }

  private static Path find(Path dir, String base) {
    for (String name : List.of(base + ".gz", base)) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new InvalidInputException(dir.resolve(base + ".gz").toString(), null, "missing; the folder must hold "
        + base + ".gz or " + base + " (install 'dataset-fashion-mnist' or download Fashion-MNIST)");
  }
}
