package io.s3nas.data;

import java.util.Random;

/** Seeded, stratified hold-out of part of a training set (the search trains on one part and watches the other). */
public final class Splits {
  private Splits() {}

  /** Train and validation parts. */
  public record TrainValidation(Dataset train, Dataset validation) {}

  /**
   * Holds out {@code fraction} of every class, chosen by {@code seed}; both parts keep the original
   * order of their images.
   */
  public static TrainValidation holdOut(Dataset all, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + fraction);
    }
    int n = all.size();
    boolean[] held = new boolean[n];
    Random r = new Random(seed);
    for (int c = 0; c < all.numClasses(); c++) {
      int count = 0;
      for (int l : all.labels()) {
        count += l == c ? 1 : 0;
      }
      int[] idx = new int[count];
      int k = 0;
      for (int i = 0; i < n; i++) {
        if (all.labels()[i] == c) {
          idx[k++] = i;
        }
      }
      for (int i = count - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      int take = (int) Math.round(count * fraction);
      for (int i = 0; i < take; i++) {
        held[idx[i]] = true;
      }
    }
    int nv = 0;
    for (boolean h : held) {
      nv += h ? 1 : 0;
    }
    int[] tr = new int[n - nv];
    int[] va = new int[nv];
    int a = 0;
    int b = 0;
    for (int i = 0; i < n; i++) {
      if (held[i]) {
        va[b++] = i;
      } else {
        tr[a++] = i;
      }
    }
    return new TrainValidation(all.subset(tr, all.name() + "/train-part"), all.subset(va, all.name() + "/validation"));
  }
}
