package io.s3nas.data;

import io.s3nas.common.InvalidInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST, plain or gzip: a magic number (two zero bytes, the
 * element type 0x08 = unsigned byte, the number of dimensions), the dimensions as big-endian ints,
 * then the data. Every header field and the data length are checked.
 */
public final class IdxFile {
  /** Dimensions and unsigned-byte data of one IDX file. */
  public record Content(int[] dims, byte[] data) {}

  private IdxFile() {}

  public static Content read(Path file, int expectedDims) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
      DataInputStream d = new DataInputStream(in);
      int magic = d.readInt();
      if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != 0x08) {
        throw new InvalidInputException(file.toString(), "magic", String.format(
            "not an unsigned-byte IDX file (magic 0x%08x, expected 0x000008%02x)", magic, expectedDims));
      }
      int dims = magic & 0xFF;
      if (dims != expectedDims) {
        throw new InvalidInputException(file.toString(), "magic", "expected " + expectedDims
            + " dimensions (" + (expectedDims == 3 ? "images" : "labels") + "), the header says " + dims);
      }
      int[] shape = new int[dims];
      long total = 1;
      for (int i = 0; i < dims; i++) {
        shape[i] = d.readInt();
        if (shape[i] <= 0) {
          throw new InvalidInputException(file.toString(), "dimension " + i, "expected a positive size, got " + shape[i]);
        }
        total *= shape[i];
      }
      if (total > Integer.MAX_VALUE - 8) {
        throw new InvalidInputException(file.toString(), "dimensions", "too large: " + total + " bytes");
      }
      // the data must fit in the file: a plain file holds it byte for byte, and deflate packs at most
      // 1032 bytes into one, so a header cannot make this allocate more than the file could hold
      long size = Files.size(file);
      long room = in == raw ? size - 4 - 4L * dims : size * 1032;
      if (total > room) {
        throw new InvalidInputException(file.toString(), "dimensions", "a header matching the file: it promises "
            + total + " bytes of data, the " + size + "-byte file" + (in == raw ? " holds " + room
            : " cannot hold more than " + room) + "; re-download or reinstall the dataset");
      }
      byte[] data = new byte[(int) total];
      try {
        d.readFully(data);
      } catch (EOFException e) {
        throw new InvalidInputException(file.toString(), "data", "truncated: the header promises " + total
            + " bytes of data; re-download or reinstall the dataset");
      }
      if (d.read() != -1) {
        throw new InvalidInputException(file.toString(), "data", "longer than the " + total + " bytes the header promises");
      }
      return new Content(shape, data);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file.toString(), null, "file not found");
    } catch (IOException e) {
      throw new InvalidInputException(file.toString(), null, "cannot read (" + e.getMessage()
          + "); a damaged .gz file should be re-downloaded or its package reinstalled");
    }
  }

  /** Images and labels of one split, with the counts checked against each other. */
  public static Dataset load(Path images, Path labels, String name, java.util.List<String> classNames) {
    Content im = read(images, 3);
    Content lb = read(labels, 1);
    if (im.dims()[0] != lb.dims()[0]) {
      throw new InvalidInputException(labels.toString(), "count", lb.dims()[0] + " labels for "
          + im.dims()[0] + " images in " + images);
    }
    int[] y = new int[lb.data().length];
    for (int i = 0; i < y.length; i++) {
      y[i] = lb.data()[i] & 0xFF;
      if (y[i] >= classNames.size()) {
        throw new InvalidInputException(labels.toString(), "label " + i, "value " + y[i] + " outside 0.."
            + (classNames.size() - 1));
      }
    }
    return new Dataset(name, im.data(), y, 1, im.dims()[1], im.dims()[2], classNames);
  }
}
