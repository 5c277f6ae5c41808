package io.s3nas.cluster;

import io.s3nas.latency.LatencyModel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a search's platform is timed on a cluster (docs/cluster.md, "Device nodes"): on a member
 * with the role {@code device-<platform>} when one is up, through its {@link DeviceLatency}
 * service found with the Receptionist; otherwise on the search's own node, by that node's one
 * estimator of the platform, which every search on the node shares (a node-local
 * {@link DeviceLatency}, spawned on first need). Either way each search holds a mirror of the
 * table with its own calibration switch ({@link DeviceLatencyModel}). A platform that is not
 * measured (a table, an analytical model) needs no device: each search builds its own.
 * The choice is made when a search's estimator builds its platform, so a device node that joins
 * later serves the searches (and stage retries) that start after it.
 */
final class DevicePlatforms {
  private static final Logger LOG = LoggerFactory.getLogger(DevicePlatforms.class);
  private final ActorSystem<?> system;
  private final Duration findTimeout;
  private final Duration requestTimeout;
  private final Function<String, LatencyModel> build;
  /** This node's own service of each measured platform it times itself. */
  private final java.util.Map<String, ActorRef<DeviceLatency.Command>> local = new java.util.HashMap<>();

  /**
   * @param findTimeout how long a platform's service may take to appear in the Receptionist once its node is up
   * @param requestTimeout the longest one timing request may take (a large table on a slow device)
   */
  DevicePlatforms(ActorSystem<?> system, Function<String, LatencyModel> build, Duration findTimeout,
                  Duration requestTimeout) {
    this.system = system;
    this.build = build;
    this.findTimeout = findTimeout;
    this.requestTimeout = requestTimeout;
  }

  ActorSystem<?> system() {
    return system;
  }

  /** The platform's model for a search (blocks): the device node's, this node's shared one, or its own. */
  LatencyModel model(String platform) {
    if (served(platform)) {
      DeviceLatencyModel m = DeviceLatencyModel.connect(platform, () -> find(platform), this, requestTimeout);
      LOG.info("{} is timed on the device node: {}", platform, m.describeMachine());
      return m;
    }
    ActorRef<DeviceLatency.Command> mine;
    LatencyModel own = null;
    synchronized (local) {
      mine = local.get(platform);
      if (mine == null) {
        own = build.apply(platform);
        if (own instanceof io.s3nas.latency.measured.MeasuredLatencyModel measured) {
          // the first search to need it on this node: its model becomes the node's, shared by all
          mine = system.systemActorOf(DeviceLatency.create(platform, () -> measured, requestTimeout, false),
              "node-latency-" + platform, org.apache.pekko.actor.typed.Props.empty());
          local.put(platform, mine);
          LOG.info("{} is timed by this node's estimator, shared by its searches", platform);
        }
      }
    }
    if (mine == null) {
      return own; // not measured: nothing to share
    }
    ActorRef<DeviceLatency.Command> service = mine;
    return DeviceLatencyModel.connect(platform, () -> service, this, requestTimeout);
  }

  /** Whether {@code address} (a table's node) is this node. */
  boolean isSelf(String address) {
    return system.address().toString().equals(address);
  }

  /** Whether an up member has the role {@code device-<platform>}. */
  boolean served(String platform) {
    for (Member m : Cluster.get(system).state().getMembers()) {
      if (m.status() == MemberStatus.up() && m.hasRole(NodeSettings.DEVICE_ROLE + platform)) {
        return true;
      }
    }
    return false;
  }

  /** The platform's service on a reachable member; waits up to the find timeout for it to register. */
  ActorRef<DeviceLatency.Command> find(String platform) {
    long deadline = System.nanoTime() + findTimeout.toNanos();
    while (true) {
      try {
        Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
            r -> Receptionist.find(DeviceLatency.key(platform), r), Duration.ofSeconds(5), system.scheduler())
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        Set<ActorRef<DeviceLatency.Command>> found = listing.getServiceInstances(DeviceLatency.key(platform));
        for (ActorRef<DeviceLatency.Command> ref : found) {
          if (reachable(ref)) {
            return ref;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no reachable device node serves " + platform + " (role "
              + NodeSettings.DEVICE_ROLE + platform + ") after " + findTimeout.toSeconds() + " s");
        }
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while looking for the device of " + platform, e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("the receptionist did not answer for " + platform + ": " + e, e);
      }
    }
  }

  /** Whether the actor's node is an up member that the cluster does not see as unreachable. */
  boolean reachable(ActorRef<?> ref) {
    Address a = ref.path().address();
    if (a.hasLocalScope()) {
      return true;
    }
    var state = Cluster.get(system).state();
    for (Member m : state.getUnreachable()) {
      if (m.address().equals(a)) {
        return false;
      }
    }
    for (Member m : state.getMembers()) {
      if (m.address().equals(a)) {
        return m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp();
      }
    }
    return false;
  }
}
