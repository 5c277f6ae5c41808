package io.s3nas.data;

import io.s3nas.common.InvalidInputException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A user's own images: one subfolder per class (the folder name is the class), decoded by the JDK's
 * own {@code javax.imageio} (PNG, JPEG, BMP, GIF) and resized (bilinear) to {@code size}x{@code size}
 * with {@code channels} channels, channel-major per image. No native decoder reads a downloaded
 * file: the OpenCV build DataVec bundles statically links a libwebp older than the fix for
 * CVE-2023-4863, so a crafted image could corrupt memory. Any other file (WebP, TIFF, a stray
 * document) is refused naming it; hidden files are skipped.
 */
public final class ImageFolder {
  /** The formats read, by file extension. */
  public static final Set<String> FORMATS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

  private ImageFolder() {}

  public static Dataset load(Path dir, int size, int channels) {
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException(dir.toString(), null, "image folder not found; expected one subfolder per class");
    }
    if (channels != 1 && channels != 3) {
      throw new InvalidInputException("channels", null, "expected 1 or 3, got " + channels);
    }
    if (size < 1 || size > 4096) {
      throw new InvalidInputException("img_size", null, "an image size from 1 to 4096, got " + size);
    }
    List<Path> classDirs = list(dir).stream().filter(Files::isDirectory).filter(p -> !hidden(p)).toList();
    if (classDirs.size() < 2) {
      throw new InvalidInputException(dir.toString(), null, "expected at least two class subfolders, found "
          + classDirs.size());
    }
    List<String> classes = classDirs.stream().map(p -> p.getFileName().toString()).toList();
    int per = channels * size * size;
    List<byte[]> images = new ArrayList<>();
    List<Integer> ys = new ArrayList<>();
    for (int c = 0; c < classDirs.size(); c++) {
      for (Path f : list(classDirs.get(c))) {
        if (hidden(f) || Files.isDirectory(f)) {
          continue;
        }
        images.add(pixels(f, size, channels));
        ys.add(c);
      }
    }
    if (images.isEmpty()) {
      throw new InvalidInputException(dir.toString(), null, "no images (" + String.join(", ", FORMATS.stream().sorted()
          .toList()) + ") in the class folders");
    }
    byte[] px = new byte[images.size() * per];
    int[] y = new int[images.size()];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, px, i * per, per);
      y[i] = ys.get(i);
    }
    return new Dataset(dir.getFileName().toString(), px, y, channels, size, size, classes);
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new InvalidInputException(dir.toString(), null, "cannot list: " + e.getMessage());
    }
  }

  private static boolean hidden(Path p) {
    return p.getFileName().toString().startsWith(".");
  }

  /** One image decoded, resized and laid out channel-major; anything unreadable names its file. */
  static byte[] pixels(Path f, int size, int channels) {
    String name = f.getFileName().toString();
    String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
    if (!FORMATS.contains(ext)) {
      throw new InvalidInputException(f.toString(), null, "an image of " + String.join(", ", FORMATS.stream().sorted()
          .toList()) + " (other formats, WebP among them, are not decoded: convert them first)");
    }
    BufferedImage src;
    try {
      src = ImageIO.read(f.toFile());
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException(f.toString(), null, "a readable " + ext + " image: " + e.getMessage());
    }
    if (src == null || src.getWidth() < 1 || src.getHeight() < 1) {
      throw new InvalidInputException(f.toString(), null, "a readable " + ext + " image (no decoder took it)");
    }
    BufferedImage dst = new BufferedImage(size, size, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY
        : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = dst.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, size, size, null);
    g.dispose();
    byte[] out = new byte[channels * size * size];
    for (int yy = 0; yy < size; yy++) {
      for (int xx = 0; xx < size; xx++) {
        int i = yy * size + xx;
        if (channels == 1) {
          out[i] = (byte) dst.getRaster().getSample(xx, yy, 0);
        } else {
          int rgb = dst.getRGB(xx, yy);
          out[i] = (byte) (rgb >> 16);
          out[size * size + i] = (byte) (rgb >> 8);
          out[2 * size * size + i] = (byte) rgb;
        }
      }
    }
    return out;
  }
}
