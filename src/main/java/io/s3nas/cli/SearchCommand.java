package io.s3nas.cli;

import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.Journal;
import io.s3nas.actors.EnginePipeline;
import io.s3nas.actors.ForkOrigin;
import io.s3nas.actors.LiveProgress;
import io.s3nas.actors.SearchControl;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchLock;
import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSpecs;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.actors.Stage;
import io.s3nas.api.SearchServer;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Datasets;
import io.s3nas.space.ModelSpec;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas search}: the whole pipeline as an event-sourced search on the embedded journal. A
 * search id that is already in the journal continues where it stopped (its stage's work restarts
 * from the stage's last checkpoint); a finished one just reports.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
    description = "Run (or resume) a whole search from a search config: latency table, supernet, scaling, post-processing, final training, export.")
public final class SearchCommand implements Callable<Integer> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SearchCommand.class);
  private static final Duration ASK = Duration.ofSeconds(30);

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "Search config (conf/searches/*.conf)")
  Path config;
  @Option(names = "--id", description = "Search id (default: the config file's name)") String id;
  @Mixin JournalCommands.JournalOptions journal;
  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "runs/search",
      description = "Outputs, one folder per search (default ${DEFAULT-VALUE})")
  Path runDir;
  @Option(names = "--seed", description = "Overrides the config's seed") Long seed;
  @Option(names = "--checkpoint-every", defaultValue = "100",
      description = "Steps between checkpoints (default ${DEFAULT-VALUE})")
  int checkpointEvery;
  @Option(names = "--http-port", paramLabel = "PORT",
      description = "Also serve the dashboard and HTTP API on 127.0.0.1:PORT, with per-step progress "
          + "(0: any free port)")
  Integer httpPort;
  @Option(names = "--cluster", paramLabel = "URL",
      description = "Submit to a cluster node's HTTP API (http://HOST:PORT) instead of running here; the token comes "
          + "from --data-dir's http.token, the folder the nodes share")
  String cluster;

  @Override
  public Integer call() throws Exception {
    SearchSpec s = SearchSpecs.read(config);
    if (seed != null) {
      s = s.withSeed(seed);
    }
    s = s.withRunDir(runDir);
    String searchId = id != null ? id : config.getFileName().toString().replaceFirst("\\.conf$", "");
    checkId(searchId);
    if (checkpointEvery < 1) {
      throw new InvalidInputException("--checkpoint-every", null, "a positive number of steps");
    }
    checkHttpPort(httpPort);
    if (cluster != null && (seed != null || httpPort != null)) {
      throw new InvalidInputException("--cluster", null, "no --seed or --http-port with it (the node runs the config "
          + "file as it is and serves its own HTTP)");
    }
    // everything a user gave is checked before the journal is touched
    checkRunnable(common, s, config);
    if (cluster != null) {
      spec.commandLine().getOut().println(ClusterSubmit.submit(cluster, searchId, config,
          journal.dir().resolve("http.token")));
      return 0;
    }
    return run(searchId, s, journal.dir(), journal.journal(), common.confDir(), runDir, checkpointEvery, httpPort, spec,
        false, null);
  }

  /** The supernet, platform, target and dataset of a spec, checked before anything is persisted (exit 2). */
  static void checkRunnable(CommonOptions common, SearchSpec s, Path config) {
    ModelSpec sup = common.model(s.supernet(), config + ": supernet");
    common.hardware().platform(s.hardware());
    checkTargetIsReachable(common, s, sup, config);
    Datasets.load(config + ": dataset", s.dataset(), s.dataPath() == null ? null : Path.of(s.dataPath()), sup.imgSize(),
        sup.imgChannels(), sup.numClasses(), s.supernet(), s.seed(), false);
  }

  /**
   * A target in ms below the supernet's fastest architecture is refused before the search is
   * persisted (its id would be spent on a search that cannot start). Table platforms answer at once;
   * a measured one only when this machine has profiled it already (its estimates then allow 10%
   * for what the predictor fills); otherwise the latency stage checks it.
   */
  private static void checkTargetIsReachable(CommonOptions common, SearchSpec s, ModelSpec sup, Path config) {
    double target = s.searchTargetMs() > 0 ? s.searchTargetMs() : s.budgetMs();
    if (!(target > 0)) {
      return; // fractions of the range are reachable by construction
    }
    io.s3nas.latency.LatencyModel m = common.hardware().model(s.hardware());
    double slack = 1;
    if (m instanceof io.s3nas.latency.measured.MeasuredLatencyModel mm) {
      if (mm.measuredCount() == 0) {
        return;
      }
      slack = 0.9;
    }
    double min = io.s3nas.latency.NetworkLatency.of(io.s3nas.space.SearchSpace.of(sup), m.estimatingView()).minMs();
    if (target < slack * min) {
      throw new InvalidInputException(config.toString(), s.searchTargetMs() > 0 ? "search-target-ms" : "budget-ms",
          String.format(java.util.Locale.ROOT, "a target the supernet can meet: its fastest architecture is %.4f ms "
              + "on %s, the target %.4f ms", min, s.hardware(), target));
    }
  }

  /** Search ids name files and folders ({@link io.s3nas.actors.SearchSpecs#checkId}). */
  static void checkId(String searchId) {
    io.s3nas.actors.SearchSpecs.checkId(searchId, "--id");
  }

  static void checkHttpPort(Integer port) {
    if (port != null && (port < 0 || port > 65535)) {
      throw new InvalidInputException("--http-port", null, "a port from 0 to 65535, got " + port);
    }
  }

  /**
   * Runs (or continues) a search in this process until it ends, following control requests (cancel,
   * pause, resume) other processes make, and serving HTTP when {@code httpPort} is given; returns
   * the exit code. {@code fork}: where a new search forks another (null: a search of its own).
   */
  static int run(String searchId, SearchSpec s, Path data, Journal store, Path confDir, Path runDir,
                 int checkpointEvery, Integer httpPort, CommandSpec spec, boolean unpause, ForkOrigin fork)
      throws Exception {
    long t0 = System.nanoTime();
    store.createSchema();
    try (SearchLock lock = SearchLock.acquire(data, searchId)) {
      return runLocked(searchId, s, data, store, confDir, runDir, checkpointEvery, httpPort, spec, unpause, fork, t0);
    }
  }

  private static int runLocked(String searchId, SearchSpec s, Path data, Journal store, Path confDir, Path runDir,
                               int checkpointEvery, Integer httpPort, CommandSpec spec, boolean unpause,
                               ForkOrigin fork, long t0)
      throws Exception {
    LOG.info("journal schema checked in {} ms", (System.nanoTime() - t0) / 1_000_000);
    ActorSystem<SearchSupervisor.Command> system = ActorSystem.create(
        SearchSupervisor.create(searchId, ctx -> new EnginePipeline(confDir, data, runDir, checkpointEvery, ctx),
            Duration.ofSeconds(1)), "s3nas",
        store.config().withFallback(ConfigFactory.load()));
    try {
      SearchJournal journal = new SearchJournal(system);
      java.util.Optional<SearchSpec> stored = journal.spec(searchId).toCompletableFuture().get();
      // the run folder is fixed at submission: a rerun from elsewhere continues in the stored one
      if (stored.isPresent() && !stored.get().withRunDir(null).equals(s.withRunDir(null))) {
        throw new InvalidInputException("--id", null, "a new id or the same config: search '" + searchId
            + "' is in the journal with other settings (" + stored.get() + ")");
      }
      if (httpPort != null) {
        InetSocketAddress at;
        try {
          at = SearchServer.start(system, "127.0.0.1", httpPort, data.toString(), true).toCompletableFuture().get()
              .localAddress();
        } catch (ExecutionException e) {
          throw new InvalidInputException("--http-port", null, "a port this machine can listen on; " + httpPort
              + " failed: " + e.getCause().getMessage());
        }
        spec.commandLine().getErr().println("dashboard: http://127.0.0.1:" + at.getPort() + "/");
      }
      long seen = journal.controlCount(searchId).toCompletableFuture().get();
      LOG.info("actor system and journal up in {} ms", (System.nanoTime() - t0) / 1_000_000);
      journal.followControl(searchId, seen + 1, r -> system.tell(SearchControl.toCommand(r, system.ignoreRef())));
      if (unpause) {
        system.tell(new SearchSupervisor.Resume(system.ignoreRef()));
      }
      return follow(system, searchId, s, fork, spec);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }

  /** Submits the search if the journal does not have it yet, then draws its progress until it ends. */
  private static int follow(ActorSystem<SearchSupervisor.Command> system, String searchId, SearchSpec s,
                            ForkOrigin fork, CommandSpec spec) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SearchSupervisor.Status st = status(system);
    if (st.state().equals("none")) {
      StatusReply<Done> r = AskPattern.<SearchSupervisor.Command, StatusReply<Done>>ask(system,
          ref -> fork == null ? new SearchSupervisor.Submit(s, ref) : new SearchSupervisor.Fork(s, fork, ref), ASK,
          system.scheduler()).toCompletableFuture().get();
      if (r.isError()) {
        throw new IllegalStateException(r.getError().getMessage());
      }
      err.println("search " + searchId + (fork == null ? " submitted" : " forked from " + fork.searchId()
          + " at its warm-up end (event " + fork.eventSeq() + ")"));
    } else if (st.state().equals("running")) {
      err.println("search " + searchId + " resumes at " + st.stage() + " (step " + st.step() + ")");
    }
    AtomicReference<LiveProgress> live = new AtomicReference<>();
    ActorRef<LiveProgress> listener = system.systemActorOf(Behaviors.receive(LiveProgress.class)
        .onMessage(LiveProgress.class, p -> {
          live.set(p);
          return Behaviors.same();
        }).build(), "cli-progress", Props.empty());
    system.eventStream().tell(new EventStream.Subscribe<>(LiveProgress.class, listener));
    Stage shown = null;
    ProgressBar bar = null;
    while (true) {
      st = status(system);
      if (!st.state().equals("running")) {
        break;
      }
      if (st.paused()) {
        // a paused search frees its process; s3nas resume ID continues it (one writer at a time)
        if (bar != null) {
          bar.close();
        }
        if (st.detail() != null && st.detail().startsWith("max-cpu-hours")) {
          err.println("search " + searchId + " paused at " + st.stage() + " (step " + st.step() + "): " + st.detail()
              + "; s3nas resume " + searchId + " continues it");
          return 0;
        }
        if (st.detail() != null) {
          // suspended by the machine (a full disk): the work is kept, but the search did not finish
          err.println("search " + searchId + " suspended at " + st.stage() + " (step " + st.step() + "): "
              + st.detail() + "; free space, then s3nas resume " + searchId + " continues it");
          return 1;
        }
        err.println("search " + searchId + " paused at " + st.stage() + " (step " + st.step() + "); "
            + "s3nas resume " + searchId + " continues it");
        return 0;
      }
      if (st.stage() != shown) {
        if (bar != null) {
          bar.close();
        }
        shown = st.stage();
        bar = LatencyCommand.bar(shown.name().toLowerCase(), 1);
      }
      // the journal moves at checkpoints; the live stream moves every step
      LiveProgress p = live.get();
      if (p != null && p.stage() == st.stage() && p.step() >= st.step()) {
        bar.maxHint(p.totalSteps());
        bar.stepTo(p.step());
        bar.setExtraMessage(Double.isNaN(p.expectedMs())
            ? String.format(" %s loss %.3f", p.phase(), p.loss())
            : String.format(" %s loss %.3f, expected %.3f ms", p.phase(), p.loss(), p.expectedMs()));
      } else if (st.totalSteps() > 0) {
        bar.maxHint(st.totalSteps());
        bar.stepTo(st.step());
      }
      Thread.sleep(250);
    }
    if (bar != null) {
      bar.close();
    }
    if (st.state().equals("completed")) {
      out.println(st.detail());
      return 0;
    }
    err.println("search " + searchId + " " + st.state() + ": " + st.detail());
    return 1;
  }

  private static SearchSupervisor.Status status(ActorSystem<SearchSupervisor.Command> system) throws Exception {
    CompletionStage<SearchSupervisor.Status> f = AskPattern.ask(system, SearchSupervisor.GetStatus::new, ASK,
        system.scheduler());
    return f.toCompletableFuture().get();
  }
}
