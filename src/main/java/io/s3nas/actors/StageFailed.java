package io.s3nas.actors;

/**
 * A stage actor's work failed for good: bad input, out of memory, or a worker that kept failing
 * after its restarts. The one failure answer of every stage actor's protocol.
 */
public record StageFailed(Stage stage, String reason)
    implements SupernetTrainer.Reply, Scaler.Reply, PostProcessor.Reply, NetworkTrainer.Reply {}
