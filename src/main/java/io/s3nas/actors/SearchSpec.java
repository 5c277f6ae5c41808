package io.s3nas.actors;

/**
 * What a search is asked to do (the validated content of a {@code conf/searches/*.conf}): the
 * supernet and data, the platform, the real budget and the reduced search target, the epochs of
 * each phase and the seed. Large things never live here; only names, numbers and paths.
 */
public record SearchSpec(String supernet, String dataset, String dataPath, String hardware, double budgetMs,
                         double searchTargetMs, double warmupEpochs, double searchEpochs, double finalEpochs, int batch,
                         int trainLimit, long seed) implements CborSerializable {}
