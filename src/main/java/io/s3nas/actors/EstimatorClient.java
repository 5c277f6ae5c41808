package io.s3nas.actors;

import io.s3nas.latency.Calibration;
import io.s3nas.latency.Component;
import io.s3nas.latency.ComponentLatency;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.space.Architecture;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * A measured platform as a stage service sees it, with every timed operation asked of the
 * {@link LatencyEstimator} that owns the device: whole-network measurements and component
 * profiling go through its queue, one at a time; reading the table and the calibration needs no
 * device and is answered from the model the estimator shares. The stage services stay plain engine
 * code ({@code io.s3nas.stages} takes a {@link MeasurableLatencyModel}); this is how they ask the
 * estimator by message. The calls block (the stages run on the blocking dispatcher).
 */
final class EstimatorClient implements MeasurableLatencyModel {
  /** Measuring many networks interleaved can take minutes on a slow machine. */
  static final Duration TIMEOUT = Duration.ofMinutes(30);

  private final MeasurableLatencyModel model;
  private final ActorRef<LatencyEstimator.Command> estimator;
  private final Scheduler scheduler;

  EstimatorClient(MeasurableLatencyModel model, ActorRef<LatencyEstimator.Command> estimator, Scheduler scheduler) {
    this.model = model;
    this.estimator = estimator;
    this.scheduler = scheduler;
  }

  /**
   * The platform a stage works with: the estimator's model, wrapped so that its timed work goes
   * through the estimator's queue (a platform that is not measured here is used as it is). Blocks.
   */
  static LatencyModel platform(ActorRef<LatencyEstimator.Command> estimator, Scheduler scheduler) {
    LatencyModel model = await(AskPattern.<LatencyEstimator.Command, StatusReply<LatencyModel>>ask(estimator,
        LatencyEstimator.GetModel::new, TIMEOUT, scheduler));
    return model instanceof MeasurableLatencyModel m ? new EstimatorClient(m, estimator, scheduler) : model;
  }

  @Override
  public NetworkMeasurement measureNetworks(List<Architecture> archs) {
    return await(AskPattern.<LatencyEstimator.Command, StatusReply<NetworkMeasurement>>ask(estimator,
        r -> new LatencyEstimator.Measure(archs, r), TIMEOUT, scheduler));
  }

  @Override
  public void prefetch(Collection<Component> components) {
    await(AskPattern.<LatencyEstimator.Command, StatusReply<Integer>>ask(estimator,
        r -> new LatencyEstimator.Profile(components, r), TIMEOUT, scheduler));
  }

  @Override
  public ComponentLatency latency(Component c) {
    if (!model.holds(c)) {
      prefetch(List.of(c)); // a component the table lacks is timed through the estimator's queue
    }
    return model.latency(c);
  }

  private static <T> T await(java.util.concurrent.CompletionStage<StatusReply<T>> reply) {
    try {
      StatusReply<T> r = reply.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (r.isError()) {
        Throwable e = r.getError();
        throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
      }
      return r.getValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the latency estimator worked", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the latency estimator did not answer: " + e.getMessage(), e);
    }
  }

  @Override
  public String platform() {
    return model.platform();
  }

  @Override
  public double networkOverheadMs() {
    return model.networkOverheadMs();
  }

  @Override
  public LatencyModel estimatingView() {
    return model.estimatingView();
  }

  @Override
  public Calibration calibrate(double[] sums, double[] params, double[] measured, double[] heldOutSums,
                               double[] heldOutParams, double[] heldOutMeasured) {
    return model.calibrate(sums, params, measured, heldOutSums, heldOutParams, heldOutMeasured);
  }

  @Override
  public void useCalibration(boolean on) {
    model.useCalibration(on);
  }

  @Override
  public Calibration calibration() {
    return model.calibration();
  }

  @Override
  public boolean calibrated() {
    return model.calibrated();
  }

  @Override
  public String describeMachine() {
    return model.describeMachine();
  }
}
