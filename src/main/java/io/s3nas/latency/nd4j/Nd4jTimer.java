package io.s3nas.latency.nd4j;

import io.s3nas.nn.infer.InferenceNet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Times inference nets the way latency tables are made, robustly on a noisy shared machine.
 *
 * <p>This 2-core VM drifts between speed phases of a few hundred milliseconds (the same network
 * measures 5.5 ms in one phase and 11 ms in the next, with no steal time reported), so timing one
 * net after another would hand each its own phase. Instead every net is timed round-robin: in each
 * of {@code rounds} rounds, each net runs {@code runsPerRound} timed passes. All nets therefore
 * sample the same mix of phases, and the reported statistic is a low quantile of all their passes
 * ({@code quantile}, default 0.2), which tracks the machine's unloaded speed and ignores GC pauses
 * and slow phases. Before that, {@code warmup} untimed passes per net plus a global warm-up of
 * {@code warmupMs} bring the JIT of ND4J's Java op path to steady state (it takes seconds).
 */
public record Nd4jTimer(int batch, int warmup, int rounds, int runsPerRound, double quantile, double warmupMs) {

  public Nd4jTimer {
    if (batch < 1 || warmup < 0 || rounds < 1 || runsPerRound < 1 || !(quantile >= 0 && quantile <= 1) || warmupMs < 0) {
      throw new IllegalArgumentException("batch >= 1, warmup >= 0, rounds >= 1, runs-per-round >= 1, 0 <= quantile <= 1, warmup-ms >= 0");
    }
  }

  public Timing time(InferenceNet net, long seed) {
    return timeAll(List.of(net), seed, i -> {}).get(0);
  }

  /** Times every net, interleaved; {@code progress} receives the number of rounds done. */
  public List<Timing> timeAll(List<InferenceNet> nets, long seed, IntConsumer progress) {
    List<INDArray> inputs = new ArrayList<>();
    for (InferenceNet n : nets) {
      INDArray in = n.randomInput(batch, seed);
      inputs.add(in);
      for (int i = 0; i < warmup; i++) {
        n.run(in);
      }
    }
    long until = System.nanoTime() + (long) (warmupMs * 1e6);
    while (System.nanoTime() < until && !nets.isEmpty()) {
      for (int j = 0; j < nets.size(); j++) {
        nets.get(j).run(inputs.get(j));
      }
    }
    double[][] t = new double[nets.size()][rounds * runsPerRound];
    for (int r = 0; r < rounds; r++) {
      for (int j = 0; j < nets.size(); j++) {
        InferenceNet n = nets.get(j);
        INDArray in = inputs.get(j);
        for (int k = 0; k < runsPerRound; k++) {
          long t0 = System.nanoTime();
          n.run(in);
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
