package io.s3nas.cli;

import picocli.CommandLine.Command;

/** The root command. */
@Command(name = "s3nas", mixinStandardHelpOptions = true, version = "s3nas 0.1.0",
    description = "Hardware-aware neural architecture search with the S3NAS method.",
    subcommands = {SpaceCommand.class, LatencyCommand.class, SupernetSearchCommand.class, TrainCommand.class,
        ExportCommand.class, ScaleCommand.class, PostprocessCommand.class, SearchCommand.class, ForkCommand.class, SweepCommand.class, ExplainCommand.class,
        JournalCommands.ListCommand.class, JournalCommands.StatusCommand.class, JournalCommands.WatchCommand.class,
        JournalCommands.CancelCommand.class, JournalCommands.PauseCommand.class, ResumeCommand.class,
        ServeCommand.class, BaselineCommand.class, NodeCommand.class})
public final class S3nasCommand {}
