package io.s3nas.actors;

import io.s3nas.stages.PipelineSettings;

/**
 * What a search is asked to do (the validated content of a {@code conf/searches/*.conf}): the
 * supernet and data, the platform, the real budget and the reduced search target, the epochs of
 * each phase, the seed and every engine setting. Large things never live here; only names, numbers
 * and paths.
 *
 * <p>The budget and the target are given either in ms or as a position in the supernet's latency
 * range on the platform ({@code budgetFraction}: 0 = its fastest architecture, 1 = its slowest;
 * above 1 only scaling reaches), which the latency stage resolves once the platform's table is known,
 * so that one config means the same search on a fast and on a slow machine. Exactly one of each pair
 * is positive.
 *
 * @param settings every engine setting; absent in events written before it existed, which read as
 *     the defaults
 * @param cost how the search accounts for its cost ({@code max-cpu-hours}, {@code cost-record-seconds});
 *     absent in events written before it existed: the defaults
 * @param runDir the absolute folder the search's outputs go to ({@code <runDir>/<id>}), fixed when
 *     it is submitted so a resume from another directory writes to the same place (null in events
 *     written before it was recorded: the resuming command's {@code --run-dir})
 */
public record SearchSpec(String supernet, String dataset, String dataPath, String hardware, double budgetMs,
                         double searchTargetMs, double warmupEpochs, double searchEpochs, double finalEpochs, int batch,
                         int trainLimit, long seed, double budgetFraction, double searchTargetFraction,
                         PipelineSettings settings, String runDir, CostLimits cost) implements CborSerializable {
  public SearchSpec {
    if (settings == null) {
      settings = PipelineSettings.defaults();
    }
    if (cost == null) {
      cost = CostLimits.defaults(); // specs persisted before the cost keys existed
    }
  }

  /** A spec with the default cost limits. */
  public SearchSpec(String supernet, String dataset, String dataPath, String hardware, double budgetMs,
                    double searchTargetMs, double warmupEpochs, double searchEpochs, double finalEpochs, int batch,
                    int trainLimit, long seed, double budgetFraction, double searchTargetFraction,
                    PipelineSettings settings, String runDir) {
    this(supernet, dataset, dataPath, hardware, budgetMs, searchTargetMs, warmupEpochs, searchEpochs, finalEpochs,
        batch, trainLimit, seed, budgetFraction, searchTargetFraction, settings, runDir, null);
  }

  /** A spec with budget and target in ms and default settings. */
  public SearchSpec(String supernet, String dataset, String dataPath, String hardware, double budgetMs,
                    double searchTargetMs, double warmupEpochs, double searchEpochs, double finalEpochs, int batch,
                    int trainLimit, long seed) {
    this(supernet, dataset, dataPath, hardware, budgetMs, searchTargetMs, warmupEpochs, searchEpochs, finalEpochs,
        batch, trainLimit, seed, 0, 0, PipelineSettings.defaults(), null);
  }

  /** The same spec with another seed. */
  public SearchSpec withSeed(long s) {
    return new SearchSpec(supernet, dataset, dataPath, hardware, budgetMs, searchTargetMs, warmupEpochs, searchEpochs,
        finalEpochs, batch, trainLimit, s, budgetFraction, searchTargetFraction, settings, runDir, cost);
  }

  /** The same spec writing to {@code dir} (made absolute). */
  public SearchSpec withRunDir(java.nio.file.Path dir) {
    return new SearchSpec(supernet, dataset, dataPath, hardware, budgetMs, searchTargetMs, warmupEpochs, searchEpochs,
        finalEpochs, batch, trainLimit, seed, budgetFraction, searchTargetFraction, settings,
        dir == null ? null : dir.toAbsolutePath().normalize().toString(), cost);
  }

  /** The budget in ms given the supernet's fastest and slowest architectures on the platform. */
  public double budgetMs(double minMs, double maxMs) {
    return budgetMs > 0 ? budgetMs : minMs + budgetFraction * (maxMs - minMs);
  }

  /** The search target in ms given the supernet's latency range (the budget when neither is set). */
  public double searchTargetMs(double minMs, double maxMs) {
    if (searchTargetMs > 0) {
      return searchTargetMs;
    }
    return searchTargetFraction > 0 ? minMs + searchTargetFraction * (maxMs - minMs) : budgetMs(minMs, maxMs);
  }
}
