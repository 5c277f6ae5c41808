package io.s3nas.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.s3nas.actors.Journal;
import io.s3nas.actors.SearchControl;
import io.s3nas.actors.SearchJournal;
import io.s3nas.actors.SearchStates;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.api.StatusJson;
import io.s3nas.common.InvalidInputException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code s3nas list}, {@code status ID} and {@code watch ID}: searches read from the journal. */
public final class JournalCommands {
  private JournalCommands() {}

  /** Where the journal is: the embedded one under the data folder, or a PostgreSQL database. */
  static final class JournalOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Journal and checkpoints (default ~/.s3nas)")
    Path dataDir;
    @Option(names = "--journal", paramLabel = "URL",
        description = "A PostgreSQL journal, jdbc:postgresql://HOST:PORT/DB (default: $S3NAS_JOURNAL_URL, else the "
            + "embedded one in --data-dir)")
    String url;
    @Option(names = "--journal-user", paramLabel = "NAME",
        description = "The PostgreSQL journal's user (default: $S3NAS_JOURNAL_USER, else s3nas)")
    String user;
    @Option(names = "--journal-password-file", paramLabel = "FILE",
        description = "A file holding the PostgreSQL journal's password (default: $S3NAS_JOURNAL_PASSWORD_FILE, "
            + "else $S3NAS_JOURNAL_PASSWORD, else none)")
    Path passwordFile;

    Path dir() {
      return dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".s3nas");
    }

    /** The journal these options name (checked: a bad URL or file is exit 2 before anything starts). */
    Journal journal() {
      return Journal.fromEnvironment(dir(), url, user, passwordFile);
    }

    <T> T withJournal(java.util.function.Function<SearchJournal, T> body) throws Exception {
      Journal j = journal();
      j.createSchema();
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "s3nas-reader",
          j.config().withFallback(ConfigFactory.load()));
      try {
        return body.apply(new SearchJournal(system));
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get();
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the searches in the journal with their state.")
  public static final class ListCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Mixin JournalOptions journal;
    @Spec CommandSpec spec;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() throws Exception {
      List<Map<String, Object>> rows = journal.withJournal(j -> j.statuses().toCompletableFuture().join()).stream()
          .map(StatusJson::describe).toList();
      PrintWriter pw = spec.commandLine().getOut();
      if (json) {
        pw.println(Json.of(Map.of("searches", rows)));
      } else {
        for (Map<String, Object> r : rows) {
          pw.printf("%-24s %-10s %s%n", r.get("search_id"), r.get("state"), r.get("stage") == null ? "" : r.get("stage"));
        }
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "A search's state, folded from its events in the journal.")
  public static final class StatusCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Mixin JournalOptions journal;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() throws Exception {
      SearchSupervisor.State st = existing(journal, id);
      Map<String, Object> o = StatusJson.describe(SearchStates.status(id, st));
      PrintWriter pw = spec.commandLine().getOut();
      if (json) {
        pw.println(Json.of(o));
      } else {
        o.forEach((k, v) -> pw.printf("%-14s %s%n", k, v));
      }
      return 0;
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true, description = "Follow a search's events as they are persisted, until it ends.")
  public static final class WatchCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @Mixin CommonOptions common;
    @Mixin JournalOptions journal;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() throws Exception {
      PrintWriter pw = spec.commandLine().getOut();
      journal.withJournal(j -> j.follow(id, n -> {
        try {
          // numbered as in the journal: fork --at takes a SupernetProgress's number
          pw.println(n.seq() + " " + n.event().getClass().getSimpleName() + " " + MAPPER.writeValueAsString(n.event()));
        } catch (Exception ex) {
          pw.println(n.seq() + " " + n.event());
        }
        pw.flush();
      }).toCompletableFuture().join());
      return 0;
    }
  }

  /** Checks that the journal has the search; returns its state. */
  static SearchSupervisor.State existing(JournalOptions journal, String id) throws Exception {
    SearchSupervisor.State st = journal.withJournal(j -> j.state(id).toCompletableFuture().join());
    if (st instanceof SearchSupervisor.Empty) {
      throw new InvalidInputException("ID", null, "a search in " + journal.journal().describe() + "; there is no '"
          + id + "' (s3nas list shows them)");
    }
    return st;
  }

  /** Writes a control request the process running the search picks up. */
  static int request(JournalOptions journal, String id, SearchControl.Kind kind, String reason, CommandSpec spec)
      throws Exception {
    SearchSupervisor.State st = existing(journal, id);
    if (!(st instanceof SearchSupervisor.Running running)) {
      throw new InvalidInputException("ID", null, "a running search; '" + id + "' has "
          + ((SearchSupervisor.Finished) st).outcome());
    }
    if (running.paused()) {
      // a paused search's process has exited: nobody would read the request
      throw new InvalidInputException("ID", null, "a search some process runs; '" + id + "' is paused (continue it "
          + "with `s3nas resume " + id + "`)");
    }
    ActorSystem<SearchControl.Request> system = ActorSystem.create(SearchControl.create(id), "s3nas-control",
        journal.journal().config().withFallback(ConfigFactory.load()));
    try {
      StatusReply<org.apache.pekko.Done> r = AskPattern.<SearchControl.Request, StatusReply<org.apache.pekko.Done>>ask(
          system, ref -> new SearchControl.Request(kind, reason, ref), java.time.Duration.ofSeconds(30),
          system.scheduler()).toCompletableFuture().get();
      if (r.isError()) {
        throw new IllegalStateException(r.getError().getMessage());
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
    spec.commandLine().getOut().println(kind.name().toLowerCase() + " requested for " + id
        + "; the process running it acts on it within a second");
    return 0;
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a running search (from any process).")
  public static final class CancelCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Mixin JournalOptions journal;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;
    @Option(names = "--reason", defaultValue = "cancelled by the user") String reason;

    @Override
    public Integer call() throws Exception {
      return request(journal, id, SearchControl.Kind.CANCEL, reason, spec);
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a running search (from any process); s3nas resume ID continues it.")
  public static final class PauseCommand implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Mixin JournalOptions journal;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() throws Exception {
      return request(journal, id, SearchControl.Kind.PAUSE, "", spec);
    }
  }
}
