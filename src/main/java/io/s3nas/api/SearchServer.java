package io.s3nas.api;

import io.s3nas.actors.SearchJournal;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/** Binds {@link SearchRoutes} for the journal the actor system is configured with. */
public final class SearchServer {
  private SearchServer() {}

  /**
   * @param where the journal's location, for messages; port 0 takes any free port
   * @param live whether searches run in this actor system (their per-step progress is then served)
   */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, String host, int port, String where,
                                                     boolean live) {
    return start(system, host, port, where, live, null);
  }

  /** As above, on a cluster node: searches are submitted and controlled through {@code gateway}. */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, String host, int port, String where,
                                                     boolean live, SearchGateway gateway) {
    String token = token(java.nio.file.Path.of(where));
    SearchRoutes routes = new SearchRoutes(system, new SearchJournal(system), where, live, token, gateway);
    return Http.get(system).newServerAt(host, port).bind(new RequestGuard(host, token).guard(routes.route()));
  }

  /** The token changing requests must carry: {@code <data-dir>/http.token}, made on first use. */
  public static String token(java.nio.file.Path dataDir) {
    return io.s3nas.common.LocalSecret.of(dataDir, "http.token");
  }

  /** Whether {@code host} is a loopback address (binding elsewhere exposes the API to the network). */
  public static boolean loopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
