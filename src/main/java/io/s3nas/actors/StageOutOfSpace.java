package io.s3nas.actors;

/**
 * A stage actor could not write its checkpoints or artifacts: the disk is full (or a file-size or
 * quota limit was met). Its work so far is safe on disk; the supervisor suspends the search until
 * someone frees space and resumes it.
 */
public record StageOutOfSpace(Stage stage, String reason)
    implements SupernetTrainer.Reply, Scaler.Reply, PostProcessor.Reply, NetworkTrainer.Reply {}
