package io.s3nas.search;

import io.s3nas.common.Seeds;
import io.s3nas.data.Batch;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.nn.engine.Param;
import io.s3nas.nn.engine.RmsProp;
import io.s3nas.nn.engine.SoftmaxCrossEntropy;
import io.s3nas.nn.engine.SupernetNet;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import io.s3nas.checkpoint.TensorArchive;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Random;

/**
 * One training step of the single-path search (docs/method.md §2–§6): superkernel decisions (with
 * equal-probability indicator dropout in the warm-up), supernet forward and backward, the
 * latency-aware term on the expected latency in the search phase, weight decay on every non-BN
 * tensor and on the thresholds, global-norm clipping in the warm-up, one RMSProp update of weights
 * and thresholds together (no bi-level split), with the staircase learning-rate schedule.
 */
public final class SupernetTrainer {
  /** Warm-up (supergraph training, λ = 0, dropout on) or search (latency term on). */
  public enum Phase { WARMUP, SEARCH }

  /**
   * What one step measured; in the search phase {@code thresholdCe} and {@code thresholdLatency} are
   * the root mean square over the trainable thresholds of the cross-entropy's and the latency term's
   * part of their gradient (NaN in the warm-up): which of the two drives the decisions.
   */
  public record Step(double loss, double crossEntropy, double latencyTerm, double expectedLatencyMs,
                     double gradNorm, double learningRate, double thresholdCe, double thresholdLatency) {}

  private final SupernetNet net;
  private final SupernetDecisions decisions;
  private final NetworkLatency latency;
  private final SearchSettings settings;
  private LatencyLoss latencyLoss;
  private final RmsProp optimizer;
  private final List<RmsProp.FloatSlots> slots = new ArrayList<>();
  private final ThresholdOptimizer thresholds;
  private final int stepsPerEpoch;
  private long step;

  public SupernetTrainer(SearchSpace space, NetworkLatency latency, SearchSettings s, int stepsPerEpoch) {
    this.settings = s;
    this.latency = latency;
    this.stepsPerEpoch = stepsPerEpoch;
    this.net = new SupernetNet(space, s.seed(), s.threads(), s.dropout(), s.bnMomentum(), s.bnEpsilon());
    this.decisions = new SupernetDecisions(space);
    this.latencyLoss = new LatencyLoss(s.latencyLambda(), s.latencyMultiplier(), s.targetMs());
    this.optimizer = new RmsProp(s.rmsDecay(), s.momentum(), s.rmsEpsilon());
    for (Param p : net.params()) {
      slots.add(new RmsProp.FloatSlots(p.size()));
    }
    this.thresholds = new ThresholdOptimizer(decisions, s, optimizer);
  }

  /** The target the latency term holds the next search steps to (an annealed target moves it). */
  public void setLatencyTarget(double ms) {
    if (ms != latencyLoss.targetMs()) {
      latencyLoss = new LatencyLoss(latencyLoss.lambda(), latencyLoss.multiplier(), ms);
    }
  }

  public SupernetNet net() {
    return net;
  }

  public SupernetDecisions decisions() {
    return decisions;
  }

  public long stepsDone() {
    return step;
  }

  public double learningRate() {
    double epoch = (double) step / stepsPerEpoch;
    return settings.learningRate() * Math.pow(settings.lrDecay(), Math.floor(epoch / settings.lrDecayEpochs()));
  }

  private List<List<float[]>> rawWeights() {
    List<List<float[]>> w = new ArrayList<>();
    for (SearchableBlock b : decisions.space().blocks()) {
      List<float[]> ws = new ArrayList<>();
      for (int i = 0; i < b.branches().size(); i++) {
        ws.add(net.depthwise(b.index(), i).value());
      }
      w.add(ws);
    }
    return w;
  }

  /**
   * The whole training state: weights, BN statistics, thresholds, every optimiser slot and the step
   * (the batch stream and every random draw are pure functions of seed and step, so nothing else
   * is needed to continue the run exactly).
   */
  public TensorArchive state() {
    Map<String, float[]> floats = new LinkedHashMap<>();
    net.tensors().forEach((k, v) -> floats.put("net:" + k, v.clone()));
    List<Param> ps = net.params();
    for (int i = 0; i < ps.size(); i++) {
      floats.put("ms:" + ps.get(i).name(), slots.get(i).ms.clone());
      floats.put("mom:" + ps.get(i).name(), slots.get(i).mom.clone());
    }
    Map<String, double[]> doubles = new LinkedHashMap<>();
    thresholds.save(doubles);
    TensorArchive a = new TensorArchive(TensorArchive.empty().meta(), floats, doubles);
    a.meta().put("step", step);
    return a;
  }

  /** Restores a {@link #state()} of a trainer of the same supernet. */
  public void restore(TensorArchive a) {
    net.tensors().forEach((k, v) -> a.copyInto("net:" + k, v));
    List<Param> ps = net.params();
    for (int i = 0; i < ps.size(); i++) {
      a.copyInto("ms:" + ps.get(i).name(), slots.get(i).ms);
      a.copyInto("mom:" + ps.get(i).name(), slots.get(i).mom);
    }
    thresholds.restore(a);
    step = a.meta().path("step").asLong();
  }

  /** Every threshold the same {@code margin} below its norm ({@link #startSearch(double, double, List)}). */
  public void startSearch(double margin) {
    startSearch(margin, 1, List.of());
  }

  /**
   * Places every trainable threshold below the norm it is compared with, at the start of the search
   * phase, and clears the thresholds' optimiser slots (docs/method.md §2.2, "Search start"). The
   * paper starts thresholds at 0 and lets ten thousand ImageNet steps bring them to the norms; in a
   * run of a few hundred steps, a group whose norm stands 10 above its threshold gets a surrogate
   * gradient of σ'(10) ≈ 5e-5 and never moves. A margin of 0 or less leaves the thresholds where the
   * warm-up left them (the paper's behaviour).
   *
   * <p>With {@code spread} 1 every threshold starts {@code margin} below its norm. Then the search
   * turns decisions off in an order that does not depend on the data: RMSProp moves every threshold
   * at about the same rate whatever the size of its gradient, and the latency term, some 35x the
   * accuracy term above the target, sets the direction of all of them, so they cross their norms
   * together within a dozen steps (measured: 16 blocks from their slowest outcomes to 0.89 ms for a
   * 1.29 ms target in 15 steps). With {@code spread} above 1 the margins carry the evidence instead:
   * on {@code probe} batches, each decision's first-order effect on the loss when it is turned off
   * (−∂CE/∂u, every indicator on) divided by the ms it saves (∂E[L]/∂u); ranked, the decisions get
   * margins from {@code margin/spread} (the least accuracy per ms: the first to go) to
   * {@code margin·spread}, log-uniformly by rank. The latency term still decides how many go and the
   * accuracy term still acts below the target; the order in which they go follows the data.
   */
  public void startSearch(double margin, double spread, List<Batch> probe) {
    if (!(margin > 0)) {
      return;
    }
    SupernetDecisions.Pass p = currentDecisions();
    double[][][] score = spread > 1 && !probe.isEmpty() ? accuracyPerMs(p, probe) : null;
    double[][][] margins = StartMargins.of(decisions, thresholds.branches(), score, margin, spread);
    int ti = 0;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = decisions.kernel(b.index(), i);
        BranchSuperkernel.Forward f = p.branches().get(b.index()).get(i);
        double[] tk = k.kernelThresholds();
        for (int j = 1; j < tk.length; j++) {
          tk[j] = f.ringNorm()[j] - margins[ti][0][j];
        }
        double[] tc = k.channelThresholds();
        for (int m = b.branches().get(i).canZeroOut() ? 0 : 1; m < tc.length; m++) {
          tc[m] = f.groupNorm()[m] - margins[ti][1][m];
        }
        ti++;
      }
    }
    thresholds.clear();
  }

  /**
   * Per branch (in threshold-slot order), per kernel and channel indicator: the loss increase of
   * turning it off per ms it saves, on the probe batches (NaN where the indicator is not trainable).
   */
  private double[][][] accuracyPerMs(SupernetDecisions.Pass p, List<Batch> probe) {
    List<List<float[]>> raw = rawWeights();
    float[][][] hat = weightHat(p);
    int slots = thresholds.branches();
    double[][][] loss = new double[slots][][];
    double[][][] ms = new double[slots][][];
    double keep = net.bnMomentum();
    net.setBnMomentum(1.0); // measuring passes leave the running statistics as they are
    try {
      Random headDropout = new Random(Seeds.mix(settings.seed(), step, 1)); // as in training, seeded
      for (Batch batch : probe) {
        net.zeroGrad();
        float[] logits = net.forward(batch.nhwc(), batch.size(), hat, true, headDropout);
        float[] dLogits = new float[logits.length];
        SoftmaxCrossEntropy.lossAndGradient(logits, batch.labels(), logits.length / batch.size(), 0, dLogits);
        net.backward(dLogits);
        int ti = 0;
        for (SearchableBlock b : decisions.space().blocks()) {
          for (int i = 0; i < b.branches().size(); i++) {
            BranchSuperkernel.Gradients g = decisions.kernel(b.index(), i).backward(raw.get(b.index()).get(i),
                p.branches().get(b.index()).get(i), net.weightHatGrad(b.index(), i), null);
            loss[ti] = StartMargins.add(loss[ti], g.kernelIndicators(), g.channelIndicators(), -1.0 / probe.size());
            ti++;
          }
        }
      }
    } finally {
      net.setBnMomentum(keep);
      net.zeroGrad();
    }
    double[][][] dProb = decisions.expectedLatencyGradient(latency, p, 1.0);
    int ti = 0;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        float[] w = raw.get(b.index()).get(i);
        BranchSuperkernel.Gradients g = decisions.kernel(b.index(), i).backward(w, p.branches().get(b.index()).get(i),
            new float[w.length], dProb[b.index()][i]);
        ms[ti] = StartMargins.add(ms[ti], g.kernelIndicators(), g.channelIndicators(), 1.0);
        ti++;
      }
    }
    double[][][] score = new double[slots][2][];
    for (int t = 0; t < slots; t++) {
      for (int kind = 0; kind < 2; kind++) {
        score[t][kind] = new double[loss[t][kind].length];
        for (int j = 0; j < score[t][kind].length; j++) {
          // a decision that saves (almost) no latency costs nothing to keep: it goes last
          score[t][kind][j] = loss[t][kind][j] / Math.max(ms[t][kind][j], 1e-9);
        }
      }
    }
    return score;
  }

  /**
   * Each block's outcome probabilities under the current thresholds with sigmoid instead of hard
   * indicators: how close each decision is to flipping (derivation's fill, docs/method.md §5.2).
   */
  public double[][] softOutcomeProbabilities() {
    return decisions.forward(rawWeights(), IndicatorMode.SOFT, null, settings.scaleKeptIndicators()).outcomeProbs();
  }

  /** The decisions of the current thresholds (hard, no dropout): what derivation reads. */
  public SupernetDecisions.Pass currentDecisions() {
    return decisions.forward(rawWeights(), IndicatorMode.HARD, null, settings.scaleKeptIndicators());
  }

  private static float[][][] weightHat(SupernetDecisions.Pass p) {
    float[][][] hat = new float[p.branches().size()][][];
    for (int b = 0; b < hat.length; b++) {
      hat[b] = new float[p.branches().get(b).size()][];
      for (int i = 0; i < hat[b].length; i++) {
        hat[b][i] = p.branches().get(b).get(i).weightHat();
      }
    }
    return hat;
  }

  /** Logits of batches under fixed decisions (evaluation mode), valid until the next batch. */
  @FunctionalInterface
  public interface Evaluation {
    float[] logits(float[] images, int n);
  }

  /**
   * An evaluation of the supernet as its thresholds stand now: hard decisions, running BN
   * statistics, no dropout. The decisions and the weights they select are computed once here, not
   * per batch: an evaluation pass over a validation set reads the same network every batch.
   */
  public Evaluation evaluation() {
    float[][][] hat = weightHat(currentDecisions());
    return (images, n) -> net.forward(images, n, hat, false, null);
  }

  /** One step on NHWC images. */
  public Step train(float[] images, int[] labels, Phase phase) {
    int n = labels.length;
    Random stepRng = new Random(Seeds.mix(settings.seed(), step, 0));
    List<List<float[]>> raw = rawWeights();
    SupernetDecisions.Pass pass = decisions.forward(raw, IndicatorMode.HARD,
        phase == Phase.WARMUP ? stepRng : null, settings.scaleKeptIndicators());
    net.setBnMomentum(Math.min(settings.bnMomentum(), (1.0 + step) / (10.0 + step)));
    net.zeroGrad();
    float[] logits = net.forward(images, n, weightHat(pass), true, stepRng);
    int classes = logits.length / n;
    float[] dLogits = new float[logits.length];
    double ce = SoftmaxCrossEntropy.lossAndGradient(logits, labels, classes, settings.labelSmoothing(), dLogits);
    net.backward(dLogits);
    double expected = decisions.expectedLatency(latency, pass);
    double latTerm = 0;
    double[][][] dProb = null;
    if (phase == Phase.SEARCH) {
      latTerm = latencyLoss.value(expected);
      dProb = decisions.latencyGradient(latency, pass, latencyLoss);
    }
    // superkernel backward: ∂L/∂Ŵ and ∂L/∂P into weight and threshold gradients
    List<double[][]> tGrads = new ArrayList<>();
    double ceSq = 0;
    double latSq = 0;
    int trainable = 0;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = decisions.kernel(b.index(), i);
        float[] w = raw.get(b.index()).get(i);
        BranchSuperkernel.Forward f = pass.branches().get(b.index()).get(i);
        BranchSuperkernel.Gradients g = k.backward(w, f, net.weightHatGrad(b.index(), i),
            dProb == null ? null : dProb[b.index()][i]);
        float[] dst = net.depthwise(b.index(), i).grad();
        System.arraycopy(g.weight(), 0, dst, 0, dst.length);
        tGrads.add(new double[][] {g.kernelThresholds(), g.channelThresholds()});
        if (dProb != null) {
          // the two parts of the thresholds' gradient, for the log (the superkernel math is cheap)
          BranchSuperkernel.Gradients ceOnly = k.backward(w, f, net.weightHatGrad(b.index(), i), null);
          double[] ceK = ceOnly.kernelThresholds();
          double[] ceC = ceOnly.channelThresholds();
          for (int j = 1; j < ceK.length; j++) {
            ceSq += ceK[j] * ceK[j];
            latSq += (g.kernelThresholds()[j] - ceK[j]) * (g.kernelThresholds()[j] - ceK[j]);
            trainable++;
          }
          for (int m = b.branches().get(i).canZeroOut() ? 0 : 1; m < ceC.length; m++) {
            ceSq += ceC[m] * ceC[m];
            latSq += (g.channelThresholds()[m] - ceC[m]) * (g.channelThresholds()[m] - ceC[m]);
            trainable++;
          }
          if (settings.latencyOnlyThresholds()) { // the ablation: the accuracy term's part removed
            subtract(g.kernelThresholds(), ceK);
            subtract(g.channelThresholds(), ceC);
          }
        }
      }
    }
    // weight decay: ½·wd·‖v‖² on every non-BN tensor and the thresholds
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
    int ti = 0;
    for (SearchableBlock b : decisions.space().blocks()) {
      for (int i = 0; i < b.branches().size(); i++) {
        BranchSuperkernel k = decisions.kernel(b.index(), i);
        double[][] g = tGrads.get(ti++);
        addDecay(k.kernelThresholds(), g[0], wd);
        addDecay(k.channelThresholds(), g[1], wd);
      }
    }
    double norm2 = 0;
    for (Param p : net.params()) {
      for (float g : p.grad()) {
        norm2 += (double) g * g;
      }
    }
    for (double[][] g : tGrads) {
      for (double[] a : g) {
        for (double x : a) {
          norm2 += x * x;
        }
      }
    }
    double norm = Math.sqrt(norm2);
    double scale = phase == Phase.WARMUP && settings.clipNorm() > 0 && norm > settings.clipNorm()
        ? settings.clipNorm() / norm : 1.0;
    double lr = learningRate();
    for (int i = 0; i < net.params().size(); i++) {
      Param p = net.params().get(i);
      optimizer.update(p.value(), p.grad(), slots.get(i), lr, scale);
    }
    thresholds.step(tGrads, lr * settings.thresholdLrScale(), scale);
    step++;
    return new Step(ce + latTerm + decayLoss, ce, latTerm, expected, norm, lr,
        trainable > 0 ? Math.sqrt(ceSq / trainable) : Double.NaN, trainable > 0 ? Math.sqrt(latSq / trainable) : Double.NaN);
  }

  private static void subtract(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] -= b[i];
    }
  }

  private static void addDecay(double[] t, double[] g, double wd) {
    for (int i = 0; i < t.length; i++) {
      g[i] += wd * t[i];
    }
  }
}
