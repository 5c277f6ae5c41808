package io.s3nas.actors;

import io.s3nas.latency.Component;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyUncertainty;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.space.Architecture;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.pattern.StatusReply;

/**
 * The latency estimator of one platform on this node (docs/design.md, "Actors"): it owns the
 * platform's table, calibration and cache, and, on a platform this machine measures, the device.
 * The other stages ask it by message:
 *
 * <ul>
 *   <li>{@link Estimate}: whole networks' estimates, each with its uncertainty band from the
 *       platform's validation ({@link LatencyUncertainty});</li>
 *   <li>{@link Measure}: whole networks timed on the device, drift-corrected;</li>
 *   <li>{@link Profile}: components timed into the table.</li>
 * </ul>
 *
 * Timed work runs on the blocking dispatcher, one request at a time: two stages never time networks
 * on the same cores at once, which would make both measurements wrong. Requests that arrive
 * meanwhile wait in a stash, in order. Searches run one per process; across processes on one
 * machine the engine's {@link io.s3nas.latency.measured.TimingLock} keeps timings apart.
 */
public final class LatencyEstimator {
  /** What the estimator answers. In-process messages: architectures are passed by reference. */
  public sealed interface Command {}

  /** Estimates of whole networks, with their bands. */
  public record Estimate(List<Architecture> archs, ActorRef<Estimates> replyTo) implements Command {}

  /** {@code bandMs[i]} is NaN where the platform's uncertainty is unknown. */
  public record Estimates(double[] ms, double[] bandMs, String source) {}

  /** Whole networks measured on the device. */
  public record Measure(List<Architecture> archs, ActorRef<StatusReply<NetworkMeasurement>> replyTo)
      implements Command {}

  /** Components timed into the platform's table (nothing happens for those it holds). */
  public record Profile(Collection<Component> components, ActorRef<StatusReply<Integer>> replyTo) implements Command {}

  /** The platform's model itself, for reads that need no device (a stage's sweeps over its table). */
  public record GetModel(ActorRef<StatusReply<LatencyModel>> replyTo) implements Command {}

  private record Finished(Runnable reply) implements Command {}

  /** The failure itself, not the future's wrapper: a stage worker tells bad input from a crash by its type. */
  public static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private LatencyEstimator() {}

  public static Behavior<Command> create(LatencyModel model) {
    return create(() -> model);
  }

  /**
   * An estimator whose model is built on its first request, off the actor's thread (a measured
   * platform loads its table and starts its runtime, which takes seconds).
   */
  public static Behavior<Command> create(java.util.function.Supplier<LatencyModel> platform) {
    java.util.concurrent.atomic.AtomicReference<LatencyModel> built = new java.util.concurrent.atomic.AtomicReference<>();
    // only one request runs at a time (the others are stashed), so the lazy build never races
    java.util.function.Supplier<LatencyModel> model = () -> built.updateAndGet(m -> m != null ? m : platform.get());
    return Behaviors.setup(ctx -> Behaviors.withStash(1000, stash -> idle(ctx, stash, model,
        ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("s3nas.blocking-dispatcher")))));
  }

  private static Behavior<Command> idle(ActorContext<Command> ctx, StashBuffer<Command> stash,
                                        java.util.function.Supplier<LatencyModel> model, Executor blocking) {
    return Behaviors.receive(Command.class)
        .onMessage(GetModel.class, g -> {
          ctx.pipeToSelf(CompletableFuture.supplyAsync(model, blocking), (r, err) -> new Finished(
              () -> g.replyTo().tell(r != null ? StatusReply.success(r) : StatusReply.error(unwrap(err)))));
          return busy(ctx, stash, model, blocking);
        })
        .onMessage(Estimate.class, e -> {
          ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> estimate(model.get(), e.archs()), blocking),
              (r, err) -> new Finished(() -> e.replyTo().tell(r != null ? r : new Estimates(new double[0],
                  new double[0], "failed: " + unwrap(err).getMessage()))));
          return busy(ctx, stash, model, blocking);
        })
        .onMessage(Measure.class, m -> {
          ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> {
            if (!(model.get() instanceof MeasurableLatencyModel mm)) {
              throw new IllegalArgumentException(model.get().platform() + " cannot be measured on this machine");
            }
            return mm.measureNetworks(m.archs());
          }, blocking),
              (r, err) -> new Finished(() -> m.replyTo().tell(r != null ? StatusReply.success(r)
                  : StatusReply.error(unwrap(err)))));
          return busy(ctx, stash, model, blocking);
        })
        .onMessage(Profile.class, p -> {
          ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> {
            model.get().prefetch(p.components());
            return p.components().size();
          }, blocking), (r, err) -> new Finished(() -> p.replyTo().tell(r != null ? StatusReply.success(r)
              : StatusReply.error(unwrap(err)))));
          return busy(ctx, stash, model, blocking);
        })
        .build();
  }

  private static Behavior<Command> busy(ActorContext<Command> ctx, StashBuffer<Command> stash,
                                        java.util.function.Supplier<LatencyModel> model, Executor blocking) {
    return Behaviors.receive(Command.class)
        .onMessage(Finished.class, f -> {
          f.reply().run();
          return stash.unstashAll(idle(ctx, stash, model, blocking));
        })
        .onAnyMessage(m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .build();
  }

  static Estimates estimate(LatencyModel model, List<Architecture> archs) {
    FixedLatency f = new FixedLatency(model.estimatingView());
    LatencyUncertainty u = new LatencyUncertainty(model);
    double[] ms = new double[archs.size()];
    double[] band = new double[archs.size()];
    for (int i = 0; i < archs.size(); i++) {
      ms[i] = f.totalMs(archs.get(i));
      band[i] = u.bandMs(archs.get(i), ms[i]);
    }
    return new Estimates(ms, band, u.source());
  }
}
