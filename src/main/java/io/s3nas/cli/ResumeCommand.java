package io.s3nas.cli;

import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSupervisor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas resume ID}: continue a search from the journal — after a crash, a kill or a pause —
 * with the spec it was submitted with; the stage in progress restarts from its last checkpoint.
 */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = "Continue a search from the journal (after a crash, kill or pause) in this process.")
public final class ResumeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin JournalCommands.JournalOptions journal;
  @Spec CommandSpec spec;
  @Parameters(paramLabel = "ID") String id;
  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "runs/search") Path runDir;
  @Option(names = "--checkpoint-every", defaultValue = "100") int checkpointEvery;
  @Option(names = "--http-port", paramLabel = "PORT",
      description = "Also serve the dashboard and HTTP API on 127.0.0.1:PORT, with per-step progress "
          + "(0: any free port)")
  Integer httpPort;

  @Override
  public Integer call() throws Exception {
    SearchCommand.checkId(id);
    SearchCommand.checkHttpPort(httpPort);
    SearchSupervisor.State st = JournalCommands.existing(journal, id);
    SearchSpec s = journal.withJournal(j -> j.spec(id).toCompletableFuture().join()).orElseThrow();
    boolean paused = st instanceof SearchSupervisor.Running r && r.paused();
    return SearchCommand.run(id, s, journal.dir(), journal.journal(), common.confDir(), runDir, checkpointEvery, httpPort,
        spec, paused, null);
  }
}
