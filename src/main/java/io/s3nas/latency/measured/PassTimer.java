package io.s3nas.latency.measured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Times forward passes the way latency tables are made, robustly on a noisy shared machine.
 *
 * <p>This 2-core VM drifts between speed phases of a few hundred milliseconds (the same network
 * measures 5.5 ms in one phase and 11 ms in the next, with no steal time reported), so timing one
 * net after another would hand each its own phase. Instead every net is timed round-robin: in each
 * of {@code rounds} rounds, each net runs {@code runsPerRound} timed passes. All nets therefore
 * sample the same mix of phases, and the reported statistic is a low quantile of all their passes
 * ({@code quantile}, default 0.2), which tracks the machine's unloaded speed and ignores GC pauses
 * and slow phases. Before that, {@code warmup} untimed passes per net plus a global warm-up of
 * {@code warmupMs} bring the JIT of the runtime's Java path (ND4J's op dispatch takes seconds) to steady state.
 * Timing holds the machine-wide {@link TimingLock}.
 */
public record PassTimer(int batch, int warmup, int rounds, int runsPerRound, double quantile, double warmupMs) {

  public PassTimer {
    if (batch < 1 || warmup < 0 || rounds < 1 || runsPerRound < 1 || !(quantile >= 0 && quantile <= 1) || warmupMs < 0) {
      throw new IllegalArgumentException("batch >= 1, warmup >= 0, rounds >= 1, runs-per-round >= 1, 0 <= quantile <= 1, warmup-ms >= 0");
    }
  }

  public Timing time(Runnable pass) {
    return timeAll(List.of(pass), i -> {}).get(0);
  }

  /**
   * Times every pass, interleaved; {@code progress} receives the number of rounds done. Holds the
   * machine's {@link TimingLock} throughout, warm-up included: no other s3nas process times at once.
   */
  public List<Timing> timeAll(List<? extends Runnable> passes, IntConsumer progress) {
    try (TimingLock held = TimingLock.hold()) {
      return timeHeld(passes, progress);
    }
  }

  private List<Timing> timeHeld(List<? extends Runnable> passes, IntConsumer progress) {
    for (Runnable p : passes) {
      for (int i = 0; i < warmup; i++) {
        p.run();
      }
    }
    long until = System.nanoTime() + (long) (warmupMs * 1e6);
    while (System.nanoTime() < until && !passes.isEmpty()) {
      for (Runnable p : passes) {
        p.run();
      }
    }
    double[][] t = new double[passes.size()][rounds * runsPerRound];
    for (int r = 0; r < rounds; r++) {
      for (int j = 0; j < passes.size(); j++) {
        Runnable p = passes.get(j);
        for (int k = 0; k < runsPerRound; k++) {
          long t0 = System.nanoTime();
          p.run();
          t[j][r * runsPerRound + k] = (System.nanoTime() - t0) / 1e6;
        }
      }
      progress.accept(r + 1);
    }
    List<Timing> out = new ArrayList<>();
    for (double[] row : t) {
      double[] s = row.clone();
      Arrays.sort(s);
      int n = s.length;
      out.add(new Timing(s[Math.min(n - 1, (int) (quantile * n))], s[n / 2], s[(int) (n * 0.1)],
          s[Math.min(n - 1, (int) (n * 0.9))], n));
    }
    return out;
  }
}
