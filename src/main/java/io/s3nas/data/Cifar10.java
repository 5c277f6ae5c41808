package io.s3nas.data;

import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 binary batches: records of one label byte and 3072 pixel bytes (1024 red, 1024 green,
 * 1024 blue, row-major 32x32), i.e. already channels-first.
 */
public final class Cifar10 {
  public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
      "frog", "horse", "ship", "truck");
  private static final int RECORD = 1 + 3 * 32 * 32;

  private Cifar10() {}

  public static FashionMnist.Splits load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException(dir.toString(), null, "CIFAR-10 folder not found; it must hold the binary "
          + "version's data_batch_1.bin..data_batch_5.bin and test_batch.bin");
    }
    List<Path> train = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      train.add(dir.resolve("data_batch_" + i + ".bin"));
    }
    return new FashionMnist.Splits(read(train, "cifar10/train"), read(List.of(dir.resolve("test_batch.bin")), "cifar10/test"));
  }

  static Dataset read(List<Path> files, String name) {
    List<byte[]> parts = new ArrayList<>();
    int n = 0;
    for (Path f : files) {
      byte[] b;
      try {
        b = Files.readAllBytes(f);
      } catch (NoSuchFileException e) {
        throw new InvalidInputException(f.toString(), null, "missing CIFAR-10 batch file");
      } catch (IOException e) {
        throw new InvalidInputException(f.toString(), null, "cannot read: " + e.getMessage());
      }
      if (b.length == 0 || b.length % RECORD != 0) {
        throw new InvalidInputException(f.toString(), "length", b.length + " bytes is not a whole number of "
            + RECORD + "-byte records (label + 3x32x32 pixels)");
      }
      parts.add(b);
      n += b.length / RECORD;
    }
    byte[] px = new byte[n * (RECORD - 1)];
    int[] y = new int[n];
    int i = 0;
    for (int f = 0; f < parts.size(); f++) {
      byte[] b = parts.get(f);
      for (int r = 0; r < b.length / RECORD; r++, i++) {
        y[i] = b[r * RECORD] & 0xFF;
        if (y[i] > 9) {
          throw new InvalidInputException(files.get(f).toString(), "record " + r, "label " + y[i] + " outside 0..9");
        }
        System.arraycopy(b, r * RECORD + 1, px, i * (RECORD - 1), RECORD - 1);
      }
    }
    return new Dataset(name, px, y, 3, 32, 32, CLASSES);
  }
}
