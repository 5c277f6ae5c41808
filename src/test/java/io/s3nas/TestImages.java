package io.s3nas;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Generated Fashion-MNIST-format IDX folders: 10 classes, each a bright bar pattern over noise, so a small net can learn them. */
public final class TestImages {
  private TestImages() {}

  public static Path learnableFashion(Path dir, int n, int size, long seed) throws IOException {
    Files.createDirectories(dir);
    Random r = new Random(seed);
    for (String split : new String[] {"train", "t10k"}) {
      byte[] px = new byte[n * size * size];
      byte[] lb = new byte[n];
      for (int i = 0; i < n; i++) {
        int c = r.nextInt(10);
        lb[i] = (byte) c;
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            boolean bar = c < size ? y == c : x == c - size + 1;
            int v = (bar ? 200 : 30) + r.nextInt(40);
            px[i * size * size + y * size + x] = (byte) v;
          }
        }
      }
      idx(dir.resolve(split + "-images-idx3-ubyte"), 0x803, new int[] {n, size, size}, px);
      idx(dir.resolve(split + "-labels-idx1-ubyte"), 0x801, new int[] {n}, lb);
    }
    return dir;
  }

  public static void idx(Path p, int magic, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(bos);
    d.writeInt(magic);
    for (int x : dims) {
      d.writeInt(x);
    }
    d.write(data);
    Files.write(p, bos.toByteArray());
  }
}
