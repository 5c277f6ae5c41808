package io.s3nas.cluster;

import io.s3nas.actors.CborSerializable;
import io.s3nas.actors.LatencyEstimator;
import io.s3nas.latency.Calibration;
import io.s3nas.latency.Component;
import io.s3nas.latency.ComponentWire;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyTable;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.MeasuredTable;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * A platform's latency served by a {@code device-<platform>} node to the searches of the whole
 * cluster (docs/cluster.md, "Device nodes"): the node's {@link LatencyEstimator} of the platform
 * owns the device and times one request at a time; this actor, registered with the Receptionist
 * under {@link #key}, answers serializable requests for it. Components and networks travel as text
 * ({@link ComponentWire}, model JSON); the answer to every table request is the whole table with its
 * calibration, which the search mirrors ({@link DeviceLatencyModel}) and prices from locally.
 */
public final class DeviceLatency {
  /** What a device node answers. */
  public sealed interface Command extends CborSerializable {}

  /** The table as it is. */
  public record GetTable(ActorRef<StatusReply<Table>> replyTo) implements Command {}

  /** Components ({@link ComponentWire} lines) timed into the table, then the table. */
  public record Profile(List<String> components, ActorRef<StatusReply<Table>> replyTo) implements Command {}

  /** Whole networks (model JSON) timed on the device, with the machine's drift. */
  public record Measure(List<String> networks, ActorRef<StatusReply<Measured>> replyTo) implements Command {}

  /** A calibration fitted, stored with the device's table for the searches after this one, then the table. */
  public record Calibrate(double[] sums, double[] params, double[] measured, double[] heldOutSums,
                          double[] heldOutParams, double[] heldOutMeasured, ActorRef<StatusReply<Table>> replyTo)
      implements Command {}

  /** One table entry in ms (the table's own units, see {@link NetworkMeasurement}). */
  public record Entry(String component, String key, int inputSize, double ms) {}

  /**
   * The device's table: its entries, calibration and whether its estimates apply it, and the
   * machine the times belong to ({@code machine}) on which node ({@code node}).
   */
  public record Table(String platform, String machine, String node, List<Entry> entries, double interceptMs,
                      double scale, double perMParamsMs, int networks, double[] heldOutErrors,
                      boolean useCalibration) implements CborSerializable {
    Calibration calibration() {
      return new Calibration(interceptMs, scale, perMParamsMs, networks, heldOutErrors);
    }
  }

  /** {@link NetworkMeasurement} on the wire. */
  public record Measured(double[] ms, double drift) implements CborSerializable {}

  /** The Receptionist key a device node registers a platform's service under. */
  public static ServiceKey<Command> key(String platform) {
    return ServiceKey.create(Command.class, "s3nas-device-latency-" + platform);
  }

  private DeviceLatency() {}

  /**
   * The service of {@code platform} for the cluster, registered with the Receptionist; its estimator
   * builds the platform's model on the first request (a measured platform starts its runtime then).
   */
  public static Behavior<Command> create(String platform, Supplier<LatencyModel> model, Duration timeout) {
    return create(platform, model, timeout, true);
  }

  /**
   * The service of {@code platform}: for the cluster ({@code register}: a device node), or for the
   * searches of this node only (a worker's own estimator of a platform it times itself).
   */
  static Behavior<Command> create(String platform, Supplier<LatencyModel> model, Duration timeout, boolean register) {
    return Behaviors.setup(ctx -> {
      ActorRef<LatencyEstimator.Command> est = ctx.spawn(LatencyEstimator.create(model), "estimator");
      if (register) {
        ctx.getSystem().receptionist().tell(Receptionist.register(key(platform), ctx.getSelf()));
      }
      Scheduler scheduler = ctx.getSystem().scheduler();
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("s3nas.blocking-dispatcher"));
      String node = ctx.getSystem().address().toString();
      Supplier<CompletionStage<MeasuredLatencyModel>> measured = () -> AskPattern.<LatencyEstimator.Command,
          StatusReply<LatencyModel>>ask(est, LatencyEstimator.GetModel::new, timeout, scheduler)
          .thenApply(r -> {
            if (r.isError()) {
              throw new IllegalStateException(r.getError().getMessage());
            }
            if (!(r.getValue() instanceof MeasuredLatencyModel m)) {
              throw new IllegalStateException(platform + " is not timed on this node");
            }
            return m;
          });
      return Behaviors.receive(Command.class)
          .onMessage(GetTable.class, g -> {
            reply(measured.get().thenApply(m -> table(m, node)), g.replyTo());
            return Behaviors.same();
          })
          .onMessage(Profile.class, p -> {
            List<Component> cs = new ArrayList<>();
            try {
              p.components().forEach(line -> cs.add(ComponentWire.decode(line)));
            } catch (IllegalArgumentException e) {
              p.replyTo().tell(StatusReply.error(e.getMessage()));
              return Behaviors.same();
            }
            reply(AskPattern.<LatencyEstimator.Command, StatusReply<Integer>>ask(est,
                    r -> new LatencyEstimator.Profile(cs, r), timeout, scheduler)
                .thenCompose(r -> {
                  if (r.isError()) {
                    throw new IllegalStateException(r.getError().getMessage());
                  }
                  return measured.get();
                }).thenApply(m -> table(m, node)), p.replyTo());
            return Behaviors.same();
          })
          .onMessage(Measure.class, m -> {
            List<Architecture> archs = new ArrayList<>();
            try {
              m.networks().forEach(json -> archs.add(Architecture.of(ModelJson.parse(json, "network to measure"),
                  "network to measure")));
            } catch (RuntimeException e) {
              m.replyTo().tell(StatusReply.error("not a network: " + e.getMessage()));
              return Behaviors.same();
            }
            reply(AskPattern.<LatencyEstimator.Command, StatusReply<NetworkMeasurement>>ask(est,
                r -> new LatencyEstimator.Measure(archs, r), timeout, scheduler).thenApply(r -> {
                  if (r.isError()) {
                    throw new IllegalStateException(r.getError().getMessage());
                  }
                  return new Measured(r.getValue().ms(), r.getValue().drift());
                }), m.replyTo());
            return Behaviors.same();
          })
          .onMessage(Calibrate.class, c -> {
            // a small fit and one file written: off the actor's thread, on the blocking dispatcher
            reply(measured.get().thenApplyAsync(m -> {
              m.calibrate(c.sums(), c.params(), c.measured(), c.heldOutSums(), c.heldOutParams(), c.heldOutMeasured());
              return table(m, node);
            }, blocking), c.replyTo());
            return Behaviors.same();
          })
          .build();
    });
  }

  private static <T> void reply(CompletionStage<T> work, ActorRef<StatusReply<T>> to) {
    work.whenComplete((v, err) -> to.tell(v != null ? StatusReply.success(v)
        : StatusReply.error(String.valueOf(LatencyEstimator.unwrap(err).getMessage()))));
  }

  static Table table(MeasuredLatencyModel m, String node) {
    MeasuredTable t = m.table();
    List<Entry> entries = new ArrayList<>();
    for (LatencyTable.Entry e : t.entries()) {
      entries.add(new Entry(e.component(), e.key(), e.inputSize(), e.value()));
    }
    Calibration c = t.calibration();
    return new Table(m.platform(), m.describeMachine(), node, entries, c.interceptMs(), c.scale(), c.perMParamsMs(),
        c.networks(), c.heldOutErrors(), t.usesCalibration());
  }
}
