package io.s3nas.cli;

import io.s3nas.TestImages;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** A search config over the tiny 8x8 supernet and generated images, for the end-to-end search tests. */
final class TinySearch {
  private TinySearch() {}

  /**
   * Writes {@code <name>.conf} (with the supernet and images beside it) on the analytical platform:
   * budget 1.5x the supernet's slowest architecture, target at {@code targetShare} between its
   * fastest and slowest; {@code phases} holds the epoch and batch keys.
   */
  static Path config(Path dir, String name, int images, double targetShare, String phases) throws IOException {
    Path sup = dir.resolve("tiny.json");
    Files.writeString(sup, SupernetSearchCliTest.TINY);
    NetworkLatency nl = NetworkLatency.of(SearchSpace.of(ModelJson.read(sup)),
        HardwareRegistry.load(Path.of("conf/hardware")).model("custom"));
    Path data = TestImages.learnableFashion(dir.resolve("data"), images, 8, 6);
    Path conf = dir.resolve(name + ".conf");
    Files.writeString(conf, String.format(Locale.ROOT, """
        supernet = "%s"
        data = "%s"
        hardware = custom
        budget-ms = %.6f
        search-target-ms = %.6f
        """, sup, data, nl.maxMs() * 1.5, nl.minMs() + targetShare * (nl.maxMs() - nl.minMs())) + phases);
    return conf;
  }

  /** The budget {@link #config} writes. */
  static double budgetMs(Path dir) {
    return 1.5 * NetworkLatency.of(SearchSpace.of(ModelJson.read(dir.resolve("tiny.json"))),
        HardwareRegistry.load(Path.of("conf/hardware")).model("custom")).maxMs();
  }
}
