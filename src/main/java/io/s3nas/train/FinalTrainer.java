package io.s3nas.train;

import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.Seeds;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Batch;
import io.s3nas.data.BatchStream;
import io.s3nas.data.Dataset;
import io.s3nas.data.Normalization;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.nn.engine.Param;
import io.s3nas.nn.engine.RmsProp;
import io.s3nas.nn.engine.SoftmaxCrossEntropy;
import io.s3nas.space.Architecture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One step of final training (docs/method.md §6.3): forward with dropout and drop-connect, label-smoothed
 * cross entropy, weight decay on every non-BN tensor, one RMSProp update under the warm-up +
 * staircase schedule, then the moving average (EMA) of every weight and BN statistic, which is
 * what evaluation and the saved model use.
 */
public final class FinalTrainer {
  /** What one step measured. */
  public record Step(double loss, double crossEntropy, double learningRate) {}

  private final FinalNet net;
  private final TrainingSettings settings;
  private final int stepsPerEpoch;
  private final RmsProp optimizer;
  private final List<RmsProp.FloatSlots> slots = new ArrayList<>();
  private final Map<String, float[]> live;
  private final Map<String, float[]> ema = new LinkedHashMap<>();
  private long step;
  /**
   * The step the moving average's ramp and the BatchNorms' running-statistics ramp count from (a warm
   * start restarts both).
   */
  private long emaStart;

  public FinalTrainer(Architecture arch, TrainingSettings s, int stepsPerEpoch) {
    this.settings = s;
    this.stepsPerEpoch = stepsPerEpoch;
    this.net = new FinalNet(arch, s.seed(), s.threads(), s.dropout(), s.dropConnect(), s.bnMomentum(), s.bnEpsilon());
    this.optimizer = new RmsProp(s.rmsDecay(), s.momentum(), s.rmsEpsilon());
    for (Param p : net.params()) {
      slots.add(new RmsProp.FloatSlots(p.size()));
    }
    this.live = net.tensors(); // live arrays: read every step without rebuilding the map
    live.forEach((name, v) -> ema.put(name, v.clone()));
  }

  public FinalNet net() {
    return net;
  }

  public long stepsDone() {
    return step;
  }

  public int stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** One step on NHWC images. */
  public Step train(float[] images, int[] labels) {
    int n = labels.length;
    Random rng = new Random(Seeds.mix(settings.seed(), step, 1));
    // the running statistics' ramp counts from the moving average's start: a warm start (a network
    // whose activation changed) restarts both, so its BatchNorms forget the statistics of the network it
    // started from within its first tens of steps (docs/method.md §9)
    long t = step - emaStart;
    net.setBnMomentum(Math.min(settings.bnMomentum(), (1.0 + t) / (10.0 + t)));
    net.zeroGrad();
    float[] logits = net.forward(images, n, true, rng);
    int classes = logits.length / n;
    float[] dLogits = new float[logits.length];
    double ce = SoftmaxCrossEntropy.lossAndGradient(logits, labels, classes, settings.labelSmoothing(), dLogits);
    net.backward(dLogits);
    double wd = settings.weightDecay();
    double decayLoss = 0;
    for (Param p : net.params()) {
      if (p.decay()) {
        float[] v = p.value();
        float[] g = p.grad();
        for (int i = 0; i < v.length; i++) {
          g[i] += (float) (wd * v[i]);
          decayLoss += 0.5 * wd * v[i] * v[i];
        }
      }
    }
    double lr = settings.learningRateAt(step, stepsPerEpoch);
    for (int i = 0; i < net.params().size(); i++) {
      Param p = net.params().get(i);
      optimizer.update(p.value(), p.grad(), slots.get(i), lr, 1.0);
    }
    step++;
    updateEma();
    return new Step(ce + decayLoss, ce, lr);
  }

  private void updateEma() {
    long t = step - emaStart;
    float d = (float) Math.min(settings.emaDecay(), (1.0 + t) / (10.0 + t));
    live.forEach((name, v) -> {
      float[] e = ema.get(name);
      for (int i = 0; i < v.length; i++) {
        e[i] = d * e[i] + (1 - d) * v[i];
      }
    });
  }

  /** Weights, BN statistics, optimiser slots, the moving averages and the step: all a resume needs. */
  public TensorArchive state() {
    Map<String, float[]> floats = new LinkedHashMap<>();
    net.tensors().forEach((k, v) -> floats.put("net:" + k, v.clone()));
    ema.forEach((k, v) -> floats.put("ema:" + k, v.clone()));
    List<Param> ps = net.params();
    for (int i = 0; i < ps.size(); i++) {
      floats.put("ms:" + ps.get(i).name(), slots.get(i).ms.clone());
      floats.put("mom:" + ps.get(i).name(), slots.get(i).mom.clone());
    }
    TensorArchive a = new TensorArchive(TensorArchive.empty().meta(), floats, Map.of());
    a.meta().put("step", step);
    a.meta().put("ema_start", emaStart);
    return a;
  }

  /** Restores a {@link #state()} of a trainer of the same architecture. */
  public void restore(TensorArchive a) {
    net.tensors().forEach((k, v) -> a.copyInto("net:" + k, v));
    ema.forEach((k, v) -> a.copyInto("ema:" + k, v));
    List<Param> ps = net.params();
    for (int i = 0; i < ps.size(); i++) {
      a.copyInto("ms:" + ps.get(i).name(), slots.get(i).ms);
      a.copyInto("mom:" + ps.get(i).name(), slots.get(i).mom);
    }
    step = a.meta().path("step").asLong();
    emaStart = a.meta().path("ema_start").asLong(0);
  }

  /**
   * Starts from another trainer's {@link #state()}, possibly of a changed architecture (SE added,
   * activations swapped: docs/method.md §9): every tensor and optimiser slot both networks have, by
   * name and length, is taken over with the step, so the schedule continues where it was. Tensors
   * only this network has keep their fresh initialisation, except that a new SE block starts close
   * to the identity (its gate near 1: expand bias 3, expand weights a tenth of their draw), so the
   * changed network starts where the trained one stands (docs/method.md §9). The moving average's
   * ramp restarts here, so what is evaluated after a few hundred steps is this network's, not a
   * blend with the one it started from; so does the BatchNorms' momentum ramp, whose running
   * statistics would otherwise still hold a third of the old network's after a 43-step probe arm
   * started at step 344 (momentum 0.975 there): not what a network with another activation computes.
   *
   * @return how many tensors were taken over
   */
  public int warmStart(TensorArchive a) {
    int taken = 0;
    for (Map.Entry<String, float[]> e : net.tensors().entrySet()) {
      float[] v = a.floats().get("net:" + e.getKey());
      if (v != null && v.length == e.getValue().length) {
        System.arraycopy(v, 0, e.getValue(), 0, v.length);
        float[] av = a.floats().get("ema:" + e.getKey());
        System.arraycopy(av != null && av.length == v.length ? av : v, 0, ema.get(e.getKey()), 0, v.length);
        taken++;
      } else {
        float[] fresh = e.getValue();
        if (e.getKey().endsWith(".se.expand.bias")) {
          java.util.Arrays.fill(fresh, 3f);
        } else if (e.getKey().endsWith(".se.expand")) {
          for (int i = 0; i < fresh.length; i++) {
            fresh[i] *= 0.1f;
          }
        }
        System.arraycopy(fresh, 0, ema.get(e.getKey()), 0, fresh.length);
      }
    }
    List<Param> ps = net.params();
    for (int i = 0; i < ps.size(); i++) {
      float[] ms = a.floats().get("ms:" + ps.get(i).name());
      float[] mom = a.floats().get("mom:" + ps.get(i).name());
      if (ms != null && ms.length == slots.get(i).ms.length && mom != null) {
        System.arraycopy(ms, 0, slots.get(i).ms, 0, ms.length);
        System.arraycopy(mom, 0, slots.get(i).mom, 0, mom.length);
      }
    }
    step = a.meta().path("step").asLong();
    emaStart = step;
    return taken;
  }

  /** Whether the averaged network classifies each image of {@code data} right, in order. */
  public boolean[] correctness(Dataset data, Normalization norm) {
    Map<String, float[]> backup = new LinkedHashMap<>();
    live.forEach((name, v) -> {
      backup.put(name, v.clone());
      System.arraycopy(ema.get(name), 0, v, 0, v.length);
    });
    try {
      boolean[] ok = new boolean[data.size()];
      BatchStream s = new BatchStream(data, Math.min(settings.batch(), data.size()), 0, norm, Augmentation.NONE);
      int at = 0;
      for (int k = 0; k < s.sequentialBatches(); k++) {
        Batch b = s.sequential(k);
        float[] logits = net.forward(b.nhwc(), b.size(), false, null);
        int classes = logits.length / b.size();
        for (int i = 0; i < b.size(); i++) {
          ok[at++] = Predictions.argmax(logits, i, classes) == b.labels()[i];
        }
      }
      return ok;
    } finally {
      live.forEach((name, v) -> System.arraycopy(backup.get(name), 0, v, 0, v.length));
    }
  }

  /** The averaged tensors (evaluation and saving use these). */
  public Map<String, float[]> emaTensors() {
    return ema;
  }

  /** Top-1 of the averaged network on a dataset (running BN statistics, no dropout). */
  public double evaluate(Dataset data, Normalization norm) {
    Map<String, float[]> backup = new LinkedHashMap<>();
    live.forEach((name, v) -> {
      backup.put(name, v.clone());
      System.arraycopy(ema.get(name), 0, v, 0, v.length);
    });
    try {
      return accuracy(net, data, norm, settings.batch());
    } finally {
      live.forEach((name, v) -> System.arraycopy(backup.get(name), 0, v, 0, v.length));
    }
  }

  /** Top-1 of a network in evaluation mode. */
  public static double accuracy(FinalNet net, Dataset data, Normalization norm, int batch) {
    BatchStream s = new BatchStream(data, Math.min(batch, data.size()), 0, norm, Augmentation.NONE);
    int correct = 0;
    for (int k = 0; k < s.sequentialBatches(); k++) {
      Batch b = s.sequential(k);
      float[] logits = net.forward(b.nhwc(), b.size(), false, null);
      correct += Predictions.correct(logits, b.labels());
    }
    return (double) correct / data.size();
  }
}
