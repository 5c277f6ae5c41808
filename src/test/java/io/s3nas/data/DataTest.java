package io.s3nas.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.s3nas.common.InvalidInputException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class DataTest {
  @TempDir Path tmp;

  static void writeIdx(Path p, int magic, int[] dims, byte[] data, boolean gzip) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(bos);
    d.writeInt(magic);
    for (int x : dims) {
      d.writeInt(x);
    }
    d.write(data);
    byte[] bytes = bos.toByteArray();
    try (OutputStream o = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
      o.write(bytes);
    }
  }

  /** A tiny Fashion-MNIST-shaped folder: n images of 4x4 whose pixels encode their index. */
  static Path fakeFashion(Path dir, int n, boolean gzip) throws IOException {
    Files.createDirectories(dir);
    for (String split : List.of("train", "t10k")) {
      byte[] px = new byte[n * 16];
      byte[] lb = new byte[n];
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < 16; p++) {
          px[i * 16 + p] = (byte) (i * 7 + p);
        }
        lb[i] = (byte) (i % 10);
      }
      String s = gzip ? ".gz" : "";
      writeIdx(dir.resolve(split + "-images-idx3-ubyte" + s), 0x803, new int[] {n, 4, 4}, px, gzip);
      writeIdx(dir.resolve(split + "-labels-idx1-ubyte" + s), 0x801, new int[] {n}, lb, gzip);
    }
    return dir;
  }

  @Test
  void readsGzipAndPlainIdx() throws IOException {
    for (boolean gz : new boolean[] {true, false}) {
      FashionMnist.Splits s = FashionMnist.load(fakeFashion(tmp.resolve("f" + gz), 20, gz));
      assertEquals(20, s.train().size());
      assertEquals(4, s.train().height());
      assertEquals(7, s.train().pixels()[16] & 0xFF);
      assertEquals(3, s.test().labels()[3]);
    }
  }

  @Test
  void badIdxFilesGetClearMessages() throws IOException {
    Path dir = fakeFashion(tmp.resolve("bad"), 10, false);
    writeIdx(dir.resolve("train-images-idx3-ubyte"), 0x801, new int[] {10}, new byte[10], false);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(dir));
    assertTrue(e.getMessage().contains("expected 3 dimensions"), e.getMessage());
    writeIdx(dir.resolve("train-images-idx3-ubyte"), 0x803, new int[] {10, 4, 4}, new byte[100], false);
    e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(dir));
    assertTrue(e.getMessage().contains("promises 160 bytes"), e.getMessage());
    // a 16-byte header promising two million 28x28 images (1.5 GB) allocates nothing
    writeIdx(dir.resolve("train-images-idx3-ubyte"), 0x803, new int[] {2_000_000, 28, 28}, new byte[0], false);
    long t0 = System.nanoTime();
    e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(dir));
    assertTrue(e.getMessage().contains("promises 1568000000 bytes") && e.getMessage().contains("dimensions"),
        e.getMessage());
    assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "refused at once");
    writeIdx(dir.resolve("train-images-idx3-ubyte"), 0x803, new int[] {2_000_000, 28, 28}, new byte[0], true);
    e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(dir));
    assertTrue(e.getMessage().contains("cannot hold more than"), "gzip too: " + e.getMessage());
    writeIdx(dir.resolve("train-images-idx3-ubyte"), 0x803, new int[] {9, 4, 4}, new byte[144], false);
    e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(dir));
    assertTrue(e.getMessage().contains("10 labels for 9 images"), e.getMessage());
    Files.write(dir.resolve("train-images-idx3-ubyte"), new byte[] {1, 2, 3, 4, 5, 6});
    e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(dir));
    assertEquals("magic", e.field());
    Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
    writeIdx(dir.resolve("train-images-idx3-ubyte"), 0x803, new int[] {10, 4, 4}, new byte[160], false);
    e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(dir));
    assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte") && e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> FashionMnist.load(tmp.resolve("nowhere")));
    assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
  }

  @Test
  void loadsTheRealFashionMnistWhenInstalled() {
    assumeTrue(Files.isDirectory(FashionMnist.DEBIAN_DIR), "dataset-fashion-mnist is installed by .ci/run");
    FashionMnist.Splits s = FashionMnist.load(FashionMnist.DEBIAN_DIR);
    assertEquals(60_000, s.train().size());
    assertEquals(10_000, s.test().size());
    Normalization n = s.train().head(20_000).statistics();
    assertEquals(0.286, n.mean()[0], 0.01);
    assertEquals(0.353, n.std()[0], 0.01);
  }

  @Test
  void readsCifarBinaryBatches() throws IOException {
    Path dir = tmp.resolve("cifar");
    Files.createDirectories(dir);
    for (String f : List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
        "data_batch_5.bin", "test_batch.bin")) {
      byte[] b = new byte[2 * 3073];
      b[0] = 3;
      b[1] = 42;
      b[3073] = 9;
      Files.write(dir.resolve(f), b);
    }
    FashionMnist.Splits s = Cifar10.load(dir);
    assertEquals(10, s.train().size());
    assertEquals(3, s.train().channels());
    assertEquals(42, s.train().pixels()[0]);
    assertEquals(9, s.test().labels()[1]);
    Files.write(dir.resolve("test_batch.bin"), new byte[100]);
    assertThrows(InvalidInputException.class, () -> Cifar10.load(dir));
  }

  @Test
  void readsImageFolders() throws IOException {
    Path dir = tmp.resolve("images");
    for (String cls : List.of("cats", "dogs")) {
      Files.createDirectories(dir.resolve(cls));
      for (int i = 0; i < 3; i++) {
        BufferedImage img = new BufferedImage(12, 10, BufferedImage.TYPE_INT_RGB);
        int v = cls.equals("cats") ? 40 : 200;
        for (int y = 0; y < 10; y++) {
          for (int x = 0; x < 12; x++) {
            img.setRGB(x, y, (v << 16) | (v << 8) | v);
          }
        }
        ImageIO.write(img, "png", dir.resolve(cls).resolve(i + ".png").toFile());
      }
    }
    Dataset d = ImageFolder.load(dir, 8, 1);
    assertEquals(6, d.size());
    assertEquals(List.of("cats", "dogs"), d.classNames());
    for (int i = 0; i < d.size(); i++) {
      int px = d.pixels()[i * 64] & 0xFF;
      assertEquals(d.labels()[i] == 0 ? 40 : 200, px, 2);
    }
    Dataset rgb = ImageFolder.load(dir, 4, 3);
    assertEquals(6 * 3 * 16, rgb.pixels().length, "channel-major RGB");
    // what the JDK does not decode is refused naming the file; hidden files are skipped
    Files.writeString(dir.resolve("dogs").resolve(".DS_Store"), "x");
    assertEquals(6, ImageFolder.load(dir, 8, 1).size());
    Files.write(dir.resolve("dogs").resolve("crafted.webp"), new byte[] {'R', 'I', 'F', 'F', 0, 0, 0, 0});
    InvalidInputException webp = assertThrows(InvalidInputException.class, () -> ImageFolder.load(dir, 8, 1));
    assertTrue(webp.getMessage().contains("crafted.webp") && webp.getMessage().contains("WebP"), webp.getMessage());
    Files.delete(dir.resolve("dogs").resolve("crafted.webp"));
    Files.writeString(dir.resolve("cats").resolve("broken.png"), "not a png");
    InvalidInputException broken = assertThrows(InvalidInputException.class, () -> ImageFolder.load(dir, 8, 1));
    assertTrue(broken.getMessage().contains("broken.png") && broken.getMessage().contains("readable"),
        broken.getMessage());
  }

  @Test
  void holdOutIsStratifiedSeededAndDisjoint() throws IOException {
    Dataset all = FashionMnist.load(fakeFashion(tmp.resolve("s"), 200, true)).train();
    Splits.TrainValidation a = Splits.holdOut(all, 0.1, 5);
    Splits.TrainValidation b = Splits.holdOut(all, 0.1, 5);
    Splits.TrainValidation c = Splits.holdOut(all, 0.1, 6);
    assertEquals(20, a.validation().size());
    assertEquals(180, a.train().size());
    assertArrayEquals(a.validation().pixels(), b.validation().pixels());
    assertNotEquals(java.util.Arrays.hashCode(a.validation().pixels()), java.util.Arrays.hashCode(c.validation().pixels()));
    int[] perClass = new int[10];
    for (int l : a.validation().labels()) {
      perClass[l]++;
    }
    for (int k : perClass) {
      assertEquals(2, k);
    }
    Set<Integer> firstPixels = new HashSet<>();
    for (int i = 0; i < a.train().size(); i++) {
      firstPixels.add(a.train().pixels()[i * 16] & 0xFF);
    }
    // the first pixel (7·index mod 256) identifies an image: no validation image is in the train part
    for (int i = 0; i < a.validation().size(); i++) {
      assertTrue(firstPixels.add(a.validation().pixels()[i * 16] & 0xFF));
    }
    assertEquals(200, firstPixels.size());
  }

  @Test
  void batchesArePureFunctionsOfSeedEpochAndStep() throws IOException {
    Dataset d = FashionMnist.load(fakeFashion(tmp.resolve("b"), 64, true)).train();
    Augmentation aug = new Augmentation(1, true);
    BatchStream s1 = new BatchStream(d, 16, 9, Normalization.FASHION_MNIST, aug);
    BatchStream s2 = new BatchStream(d, 16, 9, Normalization.FASHION_MNIST, aug);
    Batch a = s1.batch(3, 2);
    s2.batch(0, 0);
    Batch b = s2.batch(3, 2);
    assertEquals(a.features(), b.features());
    assertArrayEquals(a.labels(), b.labels());
    assertNotEquals(s1.batch(4, 2).features(), a.features());
    assertEquals(4, s1.stepsPerEpoch());
    // without augmentation, values are exactly normalised pixels
    BatchStream plain = new BatchStream(d, 16, 9, Normalization.FASHION_MNIST, Augmentation.NONE);
    INDArray f = plain.sequential(0).features();
    assertArrayEquals(new long[] {16, 1, 4, 4}, f.shape());
    double expect = ((d.pixels()[5] & 0xFF) / 255.0 - 0.2860) / 0.3530;
    assertEquals(expect, f.getDouble(0, 0, 1, 1), 1e-5);
    // every image appears once per epoch
    Set<Integer> seen = new HashSet<>();
    for (int i : s1.order(7)) {
      seen.add(i);
    }
    assertEquals(64, seen.size());
  }

  @Test
  void resizingIsBilinearWithHalfPixelCentres() {
    // a 2x2 image 0, 100 / 200, 60 upscaled to 4x4: corners keep their pixels, midpoints interpolate
    Dataset d = new Dataset("t", new byte[] {0, 100, (byte) 200, 60}, new int[] {0}, 1, 2, 2, List.of("a"));
    Dataset r = d.resized(4);
    assertEquals(4, r.height());
    int[] px = new int[16];
    for (int i = 0; i < 16; i++) {
      px[i] = r.pixels()[i] & 0xff;
    }
    assertEquals(0, px[0]);
    assertEquals(25, px[1], "0.75·0 + 0.25·100");
    assertEquals(75, px[2]);
    assertEquals(100, px[3]);
    assertEquals(60, px[15]);
    assertEquals(50, px[4], "0.75·0 + 0.25·200 down the first column");
    assertEquals(d, d.resized(2), "same size: the same dataset");
  }
}
