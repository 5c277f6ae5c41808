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
    SearchRoutes routes = new SearchRoutes(system, new SearchJournal(system), where, live);
    return Http.get(system).newServerAt(host, port).bind(routes.route());
  }
}
