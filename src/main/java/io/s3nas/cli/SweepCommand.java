package io.s3nas.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.actors.Forks;
import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSpecs;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.common.InvalidInputException;
import io.s3nas.report.SweepReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas sweep --config F --budgets-ms 6,7.5,9,11}: one warm-up, a latency/top-1 front
 * (docs/design.md, "Sweeps"). The config's search runs at the first budget; every other budget is a
 * fork of it ({@code s3nas fork}) from its warm-up end, or with {@code --at derived} from its derived
 * architecture, run one after another in this process, or with {@code --cluster} submitted to a
 * cluster, which runs the forks in parallel ({@link ClusterSweep}). Running it again continues where
 * it stopped. Writes {@code <run-dir>/<id>-sweep/} ({@code sweep.json},
 * {@code sweep.html}, {@code front.png}).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = "One warm-up, one search per budget (forks of the first), and their latency/top-1 front.")
public final class SweepCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin JournalCommands.JournalOptions journal;
  @Spec CommandSpec spec;
  @Option(names = "--config", required = true, paramLabel = "FILE") Path config;
  @Option(names = "--budgets-ms", required = true, split = ",", paramLabel = "B,B,...",
      description = "The budgets, ms (two or more)") List<Double> budgets;
  @Option(names = "--id", description = "Prefix of the searches' ids (default: the config file's name)") String id;
  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "runs/search") Path runDir;
  @Option(names = "--checkpoint-every", defaultValue = "100") int checkpointEvery;
  @Option(names = "--at", defaultValue = "warmup-end", paramLabel = "warmup-end|derived",
      description = "What the budgets share: the first search's warm-up (each searches again at its own target; "
          + "default) or its derived architecture (each scales it to its budget, no supernet training)")
  String at;
  @Option(names = "--cluster", paramLabel = "URL",
      description = "Run the searches on a cluster (a node's http://HOST:PORT; the token from --data-dir's "
          + "http.token): the forks in parallel on its workers")
  String cluster;

  @Override
  public Integer call() throws Exception {
    String prefix = id != null ? id : config.getFileName().toString().replaceFirst("\\.conf$", "");
    List<Double> bs = budgets.stream().distinct().sorted().toList();
    if (bs.size() < 2 || bs.stream().anyMatch(b -> !(b > 0 && b <= 1e6))) {
      throw new InvalidInputException("--budgets-ms", null, "two or more distinct positive budgets, got " + budgets);
    }
    if (checkpointEvery < 1) {
      throw new InvalidInputException("--checkpoint-every", null, "a positive number of steps");
    }
    Forks.At where = Forks.At.parse("--at", at);
    if (where.kind() == Forks.At.Kind.EVENT) {
      throw new InvalidInputException("--at", null, "warmup-end or derived (the sweep's first search has no events "
          + "yet), got '" + at + "'");
    }
    SearchSpec base = SearchSpecs.read(config).withRunDir(runDir);
    List<String> ids = new ArrayList<>();
    List<SearchSpec> specs = new ArrayList<>();
    for (double b : bs) {
      String sid = prefix + "-" + String.format(Locale.ROOT, "%s", b).replaceFirst("\\.0$", "") + "ms";
      SearchCommand.checkId(sid);
      SearchSpec s = Forks.spec(base, new Forks.Changes(b, null, null, null, null)).withRunDir(runDir);
      SearchCommand.checkRunnable(common, s, config);
      ids.add(sid);
      specs.add(s);
    }
    if (cluster != null) {
      ClusterClient c = ClusterClient.of(cluster, journal.dir().resolve("http.token"));
      try {
        // the cluster's run folder, where its nodes wrote the searches, holds the sweep's too
        return front(prefix, ClusterSweep.run(c, ids, specs, java.nio.file.Files.readString(config), where,
            spec.commandLine().getOut()));
      } catch (ClusterSweep.SweepFailed e) {
        spec.commandLine().getErr().println("s3nas sweep: " + e.getMessage());
        return 1;
      }
    }
    // the first budget's search trains the warm-up every other budget forks
    int rc = SearchCommand.run(ids.get(0), specs.get(0), journal.dir(), journal.journal(), common.confDir(), runDir,
        checkpointEvery, null, spec, false, null);
    if (rc != 0) {
      return rc;
    }
    for (int i = 1; i < ids.size(); i++) {
      String source = ids.get(0);
      List<SearchSupervisor.Event> events = journal.withJournal(j -> j.events(source).toCompletableFuture().join());
      // a warm-up fork searches at the target the config gives its budget; a derived one keeps the first's
      Forks.Plan plan = Forks.plan(source, events, journal.dir(), new Forks.Changes(specs.get(i).budgetMs(), null, null,
          null, null, where));
      SearchSpec own = where == Forks.At.DERIVED ? plan.spec().withRunDir(runDir) : specs.get(i);
      rc = SearchCommand.run(ids.get(i), own, journal.dir(), journal.journal(), common.confDir(), runDir,
          checkpointEvery, null, spec, false, plan.origin());
      if (rc != 0) {
        return rc;
      }
    }
    return front(prefix, ids.stream().map(runDir::resolve).toList());
  }

  /** Writes the sweep folder beside the searches' run folders ({@code runs}, the first's first) and prints it. */
  private int front(String prefix, List<Path> runs) throws java.io.IOException {
    Map<String, Object> out = SweepReport.write(runs.get(0).getParent().resolve(prefix + "-sweep"), runs);
    spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(out));
    return 0;
  }
}
