package io.s3nas;

import io.s3nas.latency.Component;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.measured.Backend;
import io.s3nas.space.Architecture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A device for the measured-platform tests: passes that busy-wait. A part costs {@code base} µs plus
 * {@code perKParams} µs per thousand parameters; a whole network {@code networkFactor} times the sum
 * of its parts plus {@code networkOverhead} µs (pooling is free, as the table books it); everything
 * times {@link #slowdown}, the machine's speed of the day. It records whether two passes ever ran
 * at once.
 */
public final class SimulatedDevice implements Backend {
  /** A tiny supernet (8x8 images, two stages of two MixConv blocks) that this device times in moments. */
  public static final String TINY_SUPERNET = """
      {"img_size": 8, "img_c": 1, "n_classes": 3,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5,5,7_s11_e2,2,2_i8_o8_c102", "r2_k5,5,7_s22_e2,2,2_i8_o16_c102"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 1}}
      """;

  private final double base;
  private final double perKParams;
  private final double networkFactor;
  private final double networkOverhead;
  /** The machine's speed of the day (2 = everything takes twice as long). */
  public volatile double slowdown = 1;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicBoolean overlapped = new AtomicBoolean();

  public SimulatedDevice(double base, double perKParams, double networkFactor, double networkOverhead) {
    this.base = base;
    this.perKParams = perKParams;
    this.networkFactor = networkFactor;
    this.networkOverhead = networkOverhead;
  }

  /** What a part costs, µs at speed 1. */
  public double micros(Component c) {
    return base + perKParams * c.params() / 1000.0;
  }

  /** Whether two passes ever ran at the same time. */
  public boolean overlapped() {
    return overlapped.get();
  }

  @Override
  public String describe() {
    return "simulated device";
  }

  @Override
  public void applyThreads(int threads) {}

  @Override
  public Pass component(Component c, int batch, long seed) {
    return pass(micros(c));
  }

  @Override
  public Pass network(Architecture a, int batch, long seed) {
    return pass(networkOverhead + networkFactor * NetworkLatency.components(a).stream()
        .filter(c -> !(c instanceof Component.Pool)).mapToDouble(this::micros).sum());
  }

  /** The names of the threads that built or ran passes (a real device is sensitive to which, see Nd4jThread). */
  public final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private Pass pass(double micros) {
    double factor = slowdown;
    threads.add(Thread.currentThread().getName());
    return new Pass() {
      @Override
      public void run() {
        threads.add(Thread.currentThread().getName());
        if (running.incrementAndGet() > 1) {
          overlapped.set(true);
        }
        long until = System.nanoTime() + (long) (micros * factor * 1000);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        running.decrementAndGet();
      }

      @Override
      public void close() {}
    };
  }
}
