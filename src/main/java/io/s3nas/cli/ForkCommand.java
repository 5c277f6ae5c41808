package io.s3nas.cli;

import io.s3nas.actors.Forks;
import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.common.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas fork SOURCE --id NEW --budget-ms B}: a new search that starts from the end of
 * SOURCE's warm-up and searches for another budget, target or platform (docs/design.md, "Forks").
 * The source is only read; the fork runs here like {@code search}, and continues like it when run again.
 */
@Command(name = "fork", mixinStandardHelpOptions = true,
    description = "Start a new search from the end of another search's warm-up, for another budget, target or platform.")
public final class ForkCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin JournalCommands.JournalOptions journal;
  @Spec CommandSpec spec;
  @Parameters(paramLabel = "SOURCE", description = "The search to fork (only read)") String source;
  @Option(names = "--id", required = true, description = "The new search's id") String id;
  @Option(names = "--budget-ms", description = "The fork's latency budget, ms") Double budgetMs;
  @Option(names = "--budget-fraction", description = "... or its position in the supernet's latency range") Double budgetFraction;
  @Option(names = "--search-target-ms", description = "The reduced target the fork searches at, ms "
      + "(default: the source's target/budget ratio applied to the new budget)") Double targetMs;
  @Option(names = "--search-target-fraction") Double targetFraction;
  @Option(names = "--hardware", description = "Another platform (its latency table is profiled or loaded first)") String hardware;
  @Option(names = "--at", defaultValue = "warmup-end",
      description = "Where the fork starts: warmup-end (it searches again for its own target), the sequence number "
          + "of a source event that recorded a supernet checkpoint (the search phase continues from there), or "
          + "derived (it scales the source's derived architecture to its budget, no supernet training)")
  String at;
  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "runs/search") Path runDir;
  @Option(names = "--checkpoint-every", defaultValue = "100") int checkpointEvery;
  @Option(names = "--http-port", paramLabel = "PORT") Integer httpPort;

  @Override
  public Integer call() throws Exception {
    SearchCommand.checkId(id);
    io.s3nas.actors.SearchSpecs.checkId(source, "SOURCE");
    SearchCommand.checkHttpPort(httpPort);
    Forks.At where = Forks.At.parse("--at", at);
    if (source.equals(id)) {
      throw new InvalidInputException("--id", null, "a new id; the source is never changed");
    }
    if (checkpointEvery < 1) {
      throw new InvalidInputException("--checkpoint-every", null, "a positive number of steps");
    }
    List<SearchSupervisor.Event> events = journal.withJournal(j -> j.events(source).toCompletableFuture().join());
    Forks.Plan plan = Forks.plan(source, events, journal.dir(), new Forks.Changes(budgetMs, budgetFraction, targetMs,
        targetFraction, hardware, where));
    SearchSpec s = plan.spec().withRunDir(runDir);
    common.hardware().platform(s.hardware());
    return SearchCommand.run(id, s, journal.dir(), journal.journal(), common.confDir(), runDir, checkpointEvery,
        httpPort, spec, false, plan.origin());
  }
}
