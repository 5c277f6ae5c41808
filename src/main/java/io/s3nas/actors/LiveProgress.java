package io.s3nas.actors;

/**
 * One training step of a running search, for whoever watches it live (the CLI's bars, monitors):
 * published on the actor system's event stream by the search's supervisor, never persisted — the
 * journal records progress at checkpoints only, which is what a resume needs.
 *
 * @param phase {@code warmup} or {@code search} in the supernet stage, {@code train} in final training
 * @param expectedMs the supernet's expected latency (NaN outside the supernet stage)
 */
public record LiveProgress(String searchId, Stage stage, String phase, long step, long totalSteps, double loss,
                           double expectedMs) implements CborSerializable {}
