package io.s3nas.cluster;

import io.s3nas.latency.Calibration;
import io.s3nas.latency.Component;
import io.s3nas.latency.ComponentWire;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyTable;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.latency.measured.MeasuredTable;
import io.s3nas.latency.measured.TableBackedModel;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * A measured platform whose device is a cluster node (docs/cluster.md, "Device nodes"), as a
 * search's stages see it: every timing — components profiled, whole networks measured — is asked
 * of that node's {@link DeviceLatency} service; the table and calibration it answers with are
 * mirrored here, so estimates and sweeps over thousands of candidates are priced locally with the
 * same formula as on the device ({@link MeasuredTable}). Whether estimates apply the calibration is
 * this search's own setting (the validator switches it off and on); the device keeps one table for
 * all the searches it serves.
 *
 * <p>The calls block, on a stage's thread. A device node that leaves the cluster fails the call at
 * once (the stage is retried with backoff and finds the platform's service again), instead of
 * waiting for the timeout.
 */
final class DeviceLatencyModel implements TableBackedModel {
  private final String platform;
  private final java.util.function.Supplier<ActorRef<DeviceLatency.Command>> device;
  private final DevicePlatforms devices;
  private final Duration timeout;
  private final MeasuredTable table;
  private volatile String machine; // written by whichever stage thread asked last
  private volatile String node;

  private DeviceLatencyModel(String platform, java.util.function.Supplier<ActorRef<DeviceLatency.Command>> device,
                             DevicePlatforms devices, Duration timeout, DeviceLatency.Table first) {
    this.platform = platform;
    this.device = device;
    this.devices = devices;
    this.timeout = timeout;
    this.table = new MeasuredTable(platform, first.useCalibration());
    mirror(first);
  }

  /** The platform's device ({@code device} finds it for every request) and its table as it is now. Blocks. */
  static DeviceLatencyModel connect(String platform, java.util.function.Supplier<ActorRef<DeviceLatency.Command>> device,
                                    DevicePlatforms devices, Duration timeout) {
    DeviceLatency.Table t = ask(device.get(), devices, platform, timeout, DeviceLatency.GetTable::new);
    return new DeviceLatencyModel(platform, device, devices, timeout, t);
  }

  private void mirror(DeviceLatency.Table t) {
    for (DeviceLatency.Entry e : t.entries()) {
      table.put(new LatencyTable.Entry(e.component(), e.key(), e.inputSize(), e.ms()));
    }
    table.loadCalibration(t.calibration());
    machine = t.machine();
    node = t.node();
  }

  private <T> T ask(Function<ActorRef<StatusReply<T>>, DeviceLatency.Command> request) {
    return ask(device.get(), devices, platform, timeout, request);
  }

  private static <T> T ask(ActorRef<DeviceLatency.Command> device, DevicePlatforms devices, String platform,
                           Duration timeout, Function<ActorRef<StatusReply<T>>, DeviceLatency.Command> request) {
    ActorSystem<?> system = devices.system();
    CompletableFuture<StatusReply<T>> reply = AskPattern.ask(device, request::apply, timeout, system.scheduler())
        .toCompletableFuture();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        try {
          StatusReply<T> r = reply.get(1, TimeUnit.SECONDS);
          if (r.isError()) {
            throw new IllegalStateException(platform + " on " + device.path().address() + ": "
                + r.getError().getMessage());
          }
          return r.getValue();
        } catch (TimeoutException stillWorking) {
          if (!devices.reachable(device) || System.nanoTime() > deadline) {
            throw new IllegalStateException("the device node " + device.path().address() + " serving " + platform
                + (System.nanoTime() > deadline ? " did not answer within " + timeout : " left the cluster"));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the device node worked", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the device node serving " + platform + " did not answer: "
          + e.getCause().getMessage(), e.getCause());
    }
  }

  @Override
  public String platform() {
    return platform;
  }

  @Override
  public MeasuredTable table() {
    return table;
  }

  @Override
  public void prefetch(Collection<Component> components) {
    Map<String, String> missing = new LinkedHashMap<>();
    for (Component c : components) {
      if (!table.holds(c)) {
        missing.putIfAbsent(c.tableKey(), ComponentWire.encode(c));
      }
    }
    if (!missing.isEmpty()) {
      mirror(ask(r -> new DeviceLatency.Profile(new ArrayList<>(missing.values()), r)));
    }
  }

  @Override
  public NetworkMeasurement measureNetworks(List<Architecture> archs) {
    List<String> json = archs.stream().map(a -> ModelJson.format(a.spec())).toList();
    DeviceLatency.Measured m = ask(r -> new DeviceLatency.Measure(json, r));
    return new NetworkMeasurement(m.ms(), m.drift());
  }

  @Override
  public Calibration calibrate(double[] sums, double[] params, double[] measured, double[] heldOutSums,
                               double[] heldOutParams, double[] heldOutMeasured) {
    DeviceLatency.Table t = ask(r -> new DeviceLatency.Calibrate(sums, params, measured,
        heldOutSums, heldOutParams, heldOutMeasured, r));
    mirror(t);
    table.calibration(t.calibration()); // applied from now on, as on a local device
    return t.calibration();
  }

  @Override
  public LatencyModel estimatingView() {
    return table.predictingView(platform + " table of " + node, 64);
  }

  @Override
  public String describeMachine() {
    return machine + (devices.isSelf(node) ? " (this node's estimator)" : " (device node " + node + ")");
  }
}
