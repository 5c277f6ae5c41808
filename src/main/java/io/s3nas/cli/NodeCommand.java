package io.s3nas.cli;

import io.s3nas.cluster.ClusterNode;
import io.s3nas.cluster.NodeSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas node --config cluster/node1.conf}: a cluster member, until stopped (docs/cluster.md). */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run a cluster node (roles, Artery on loopback, health checks, bootstrap, split-brain resolver) "
        + "until stopped.")
public final class NodeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The node config (cluster/node1.conf)")
  Path config;

  @Override
  public Integer call() throws Exception {
    NodeSettings s = NodeSettings.read(config);
    ActorSystem<Void> system = ClusterNode.start(s);
    spec.commandLine().getOut().println("node " + s.name() + ": pekko://" + NodeSettings.SYSTEM + "@" + s.host() + ":"
        + s.port() + " roles " + s.roles() + ", health http://" + s.localHost() + ":" + s.managementPort() + "/ready");
    spec.commandLine().getOut().flush();
    system.getWhenTerminated().toCompletableFuture().get();
    return 0;
  }
}
