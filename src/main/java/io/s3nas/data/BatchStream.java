package io.s3nas.data;

import io.s3nas.common.Seeds;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded mini-batches of a dataset. The batch at (epoch, step) depends on nothing but the seed,
 * the epoch and the step: the epoch's order is a permutation drawn from (seed, epoch) and each
 * image's augmentation from (seed, epoch, index), so a run resumed from a checkpoint at any step
 * sees exactly the stream an uninterrupted run would have seen (docs/design.md).
 *
 * <p>Batches are NCHW float32, normalised per channel; labels are class indices. The last partial
 * batch of an epoch is dropped in training streams ({@link #stepsPerEpoch()}).
 */
public final class BatchStream {
  private final Dataset data;
  private final int batch;
  private final long seed;
  private final Normalization norm;
  private final Augmentation aug;
  private int cachedEpoch = -1;
  private int[] cachedOrder;

  public BatchStream(Dataset data, int batch, long seed, Normalization norm, Augmentation aug) {
    if (batch < 1 || batch > data.size()) {
      throw new IllegalArgumentException("batch must be in 1.." + data.size() + ", got " + batch);
    }
    if (norm.mean().length != data.channels()) {
      throw new IllegalArgumentException("normalisation has " + norm.mean().length + " channels, data " + data.channels());
    }
    this.data = data;
    this.batch = batch;
    this.seed = seed;
    this.norm = norm;
    this.aug = aug;
  }

  public int stepsPerEpoch() {
    return data.size() / batch;
  }

  public int batchSize() {
    return batch;
  }

  public Dataset data() {
    return data;
  }

  /** The permutation of epoch {@code epoch}. */
  public synchronized int[] order(int epoch) {
    if (epoch != cachedEpoch) {
      int[] idx = new int[data.size()];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = i;
      }
      Random r = new Random(Seeds.mix(seed, epoch, -1));
      for (int i = idx.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      cachedOrder = idx;
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  /** Training batch {@code step} of epoch {@code epoch}, shuffled and augmented. */
  public Batch batch(int epoch, int step) {
    if (step < 0 || step >= stepsPerEpoch()) {
      throw new IllegalArgumentException("step " + step + " outside 0.." + (stepsPerEpoch() - 1));
    }
    int[] ord = order(epoch);
    int[] idx = new int[batch];
    System.arraycopy(ord, step * batch, idx, 0, batch);
    return assemble(idx, epoch, true);
  }

  /** Batch {@code k} of the data in its stored order, without augmentation (evaluation); may be partial. */
  public Batch sequential(int k) {
    int from = k * batch;
    int to = Math.min(data.size(), from + batch);
    int[] idx = new int[to - from];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = from + i;
    }
    return assemble(idx, 0, false);
  }

  public int sequentialBatches() {
    return (data.size() + batch - 1) / batch;
  }

  private Batch assemble(int[] idx, int epoch, boolean augment) {
    int c = data.channels();
    int h = data.height();
    int w = data.width();
    int per = c * h * w;
    float[] out = new float[idx.length * per];
    int[] labels = new int[idx.length];
    byte[] px = data.pixels();
    boolean doAug = augment && aug.enabled();
    for (int b = 0; b < idx.length; b++) {
      int src = idx[b] * per;
      labels[b] = data.labels()[idx[b]];
      int dx = 0;
      int dy = 0;
      boolean flip = false;
      if (doAug) {
        Random r = new Random(Seeds.mix(seed, epoch, idx[b]));
        dx = aug.pad() > 0 ? r.nextInt(2 * aug.pad() + 1) - aug.pad() : 0;
        dy = aug.pad() > 0 ? r.nextInt(2 * aug.pad() + 1) - aug.pad() : 0;
        flip = aug.flip() && r.nextBoolean();
      }
      for (int ch = 0; ch < c; ch++) {
        float mean = (float) norm.mean()[ch];
        float inv = (float) (1.0 / norm.std()[ch]);
        float zero = -mean * inv;
        int base = b * per + ch * h * w;
        for (int y = 0; y < h; y++) {
          int sy = y + dy;
          for (int x = 0; x < w; x++) {
            int sx0 = flip ? w - 1 - x : x;
            int sx = sx0 + dx;
            float v;
            if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
              v = zero;
            } else {
              v = ((px[src + ch * h * w + sy * w + sx] & 0xFF) / 255f - mean) * inv;
            }
            out[base + y * w + x] = v;
          }
        }
      }
    }
    INDArray features = Nd4j.create(out, new long[] {idx.length, c, h, w}, DataType.FLOAT);
    return new Batch(features, labels);
  }
}
