package io.s3nas.bench;

import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyValidator;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Throughput of fixed-architecture latency estimates from a table, on the calling thread only:
 * random architectures of a supernet are drawn up front, then estimated in a loop for several
 * timed rounds after a JIT warm-up. Prints one JSON line. Run by {@code scripts/bench-latency}.
 *
 * <p>Usage: {@code LatencyBench [supernet.json] [hardware] [conf/hardware]}.
 */
public final class LatencyBench {
  private LatencyBench() {}

  public static void main(String[] args) {
    Path supernet = Path.of(args.length > 0 ? args[0] : "conf/supernets/mixconv_super_3_4_7_4_11.json");
    String hardware = args.length > 1 ? args[1] : "midap";
    Path hwDir = Path.of(args.length > 2 ? args[2] : "conf/hardware");
    SearchSpace space = SearchSpace.of(ModelJson.read(supernet));
    LatencyModel model = HardwareRegistry.load(hwDir).model(hardware);
    NetworkLatency nl = NetworkLatency.of(space, model);
    int n = 1 << 16;
    int[][] archs = new int[n][];
    Random r = new Random(1);
    for (int i = 0; i < n; i++) {
      archs[i] = LatencyValidator.sample(space, r);
    }
    double sink = 0;
    for (int w = 0; w < 40; w++) {
      for (int[] a : archs) {
        sink += nl.estimate(a);
      }
    }
    int rounds = 10;
    double[] perSecond = new double[rounds];
    for (int k = 0; k < rounds; k++) {
      long t0 = System.nanoTime();
      for (int rep = 0; rep < 20; rep++) {
        for (int[] a : archs) {
          sink += nl.estimate(a);
        }
      }
      perSecond[k] = 20.0 * n / ((System.nanoTime() - t0) / 1e9);
    }
    Arrays.sort(perSecond);
    System.out.printf("{\"bench\":\"latency-estimate\",\"supernet\":\"%s\",\"hardware\":\"%s\",\"blocks\":%d,"
            + "\"threads\":1,\"median_archs_per_s\":%.0f,\"min_archs_per_s\":%.0f,\"max_archs_per_s\":%.0f,\"checksum\":%.3f}%n",
        supernet.getFileName(), hardware, space.blocks().size(), perSecond[rounds / 2], perSecond[0],
        perSecond[rounds - 1], sink % 1000);
  }
}
