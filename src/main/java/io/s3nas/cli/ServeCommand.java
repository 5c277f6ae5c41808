package io.s3nas.cli;

import com.typesafe.config.ConfigFactory;
import io.s3nas.api.SearchServer;
import io.s3nas.common.InvalidInputException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas serve}: the dashboard, the HTTP API, the searches' event streams and Prometheus
 * metrics for one journal, until stopped (Ctrl-C). Searches running in other processes on the same
 * data directory show up live: the server reads the journal and writes control requests.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve the dashboard, HTTP API, event streams and metrics of a journal's searches.")
public final class ServeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin JournalCommands.JournalOptions journal;
  @Spec CommandSpec spec;
  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}; another than loopback needs --insecure)")
  String host;
  @Option(names = "--insecure",
      description = "Allow listening beyond loopback without TLS (changing requests still need the token)")
  boolean insecure;
  @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0: any free one)")
  int port;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new InvalidInputException("--port", null, "a port from 0 to 65535, got " + port);
    }
    if (!SearchServer.loopback(host)) {
      if (!insecure) {
        throw new InvalidInputException("--host", null, "a loopback address (127.0.0.1, ::1): " + host + " would "
            + "serve every search's data unencrypted to the network; add --insecure to accept that");
      }
      spec.commandLine().getErr().println("warning: serving on " + host + " without TLS: anyone on that network "
          + "reads every search; changing requests need the token in " + journal.dir().resolve("http.token"));
    }
    Path dir = journal.dir();
    io.s3nas.actors.Journal store = journal.journal();
    store.createSchema();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "s3nas-http",
        store.config().withFallback(ConfigFactory.load()));
    ServerBinding binding;
    try {
      binding = SearchServer.start(system, host, port, dir.toString(), false).toCompletableFuture().get();
    } catch (ExecutionException e) {
      system.terminate();
      throw new InvalidInputException("--host/--port", null, "an address this machine can listen on; "
          + host + ":" + port + " failed: " + e.getCause().getMessage());
    }
    InetSocketAddress at = binding.localAddress();
    spec.commandLine().getOut().println("serving http://" + at.getHostString() + ":" + at.getPort()
        + "/ for the searches under " + dir + " (Ctrl-C stops); requests that change a search carry the token in "
        + dir.resolve("http.token") + " as X-S3nas-Token (the dashboard does)");
    spec.commandLine().getOut().flush();
    Runtime.getRuntime().addShutdownHook(new Thread(system::terminate, "s3nas-http-stop"));
    system.getWhenTerminated().toCompletableFuture().get();
    return 0;
  }
}
