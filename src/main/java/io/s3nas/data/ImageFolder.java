package io.s3nas.data;

import io.s3nas.common.InvalidInputException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A user's own images: one subfolder per class (the folder name is the class), read with DataVec's
 * {@code ImageRecordReader} and resized to {@code size}x{@code size} with {@code channels} channels.
 */
public final class ImageFolder {
  private ImageFolder() {}

  public static Dataset load(Path dir, int size, int channels) {
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException(dir.toString(), null, "image folder not found; expected one subfolder per class");
    }
    List<String> classes;
    try (Stream<Path> s = Files.list(dir)) {
      classes = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new InvalidInputException(dir.toString(), null, "cannot list: " + e.getMessage());
    }
    if (classes.size() < 2) {
      throw new InvalidInputException(dir.toString(), null, "expected at least two class subfolders, found " + classes.size());
    }
    if (channels != 1 && channels != 3) {
      throw new InvalidInputException("channels", null, "expected 1 or 3, got " + channels);
    }
    ImageRecordReader reader = new ImageRecordReader(size, size, channels, new ParentPathLabelGenerator());
    try {
      reader.initialize(new FileSplit(new File(dir.toString()), NativeImageLoader.ALLOWED_FORMATS, new Random(0)));
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException(dir.toString(), null, "cannot read images: " + e.getMessage());
    }
    List<String> labels = reader.getLabels();
    List<byte[]> images = new ArrayList<>();
    List<Integer> ys = new ArrayList<>();
    int per = channels * size * size;
    while (reader.hasNext()) {
      List<Writable> rec = reader.next();
      INDArray img = ((NDArrayWritable) rec.get(0)).get();
      int label = ((IntWritable) rec.get(1)).get();
      byte[] b = new byte[per];
      float[] f = img.reshape(per).toFloatVector();
      for (int i = 0; i < per; i++) {
        b[i] = (byte) Math.max(0, Math.min(255, Math.round(f[i])));
      }
      images.add(b);
      ys.add(classes.indexOf(labels.get(label)));
    }
    if (images.isEmpty()) {
      throw new InvalidInputException(dir.toString(), null, "no images (" + String.join(", ", NativeImageLoader.ALLOWED_FORMATS) + ") in the class folders");
    }
    byte[] px = new byte[images.size() * per];
    int[] y = new int[images.size()];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, px, i * per, per);
      y[i] = ys.get(i);
    }
    return new Dataset(dir.getFileName().toString(), px, y, channels, size, size, classes);
  }
}
