package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The supernet as an explicit forward/backward engine over NHWC float arrays (the strategy chosen
 * by measurement, docs/engine-measurements.md): stem, one {@link SuperBlock} per block position of
 * the search space, head. The depthwise superkernels' masked weights Ŵ are supplied per pass by
 * the search (which owns the thresholds), and ∂L/∂Ŵ is handed back per branch.
 */
public final class SupernetNet {
  private final SearchSpace space;
  private final Parallel par;
  private final ConvBn stem;
  private final List<SuperBlock> blocks = new ArrayList<>();
  private final HeadLayer head;
  private final List<Param> params = new ArrayList<>();
  private final Scratch scratch;
  private double bnMomentum;

  public SupernetNet(SearchSpace space, long seed, int threads, double dropout, double bnMomentum, double bnEpsilon) {
    this.space = space;
    this.par = new Parallel(threads);
    this.scratch = new Scratch(threads);
    this.bnMomentum = bnMomentum;
    Random init = new Random(seed);
    ModelSpec m = space.supernet();
    stem = new ConvBn("stem", m.imgChannels(), m.firstConv().outputFilters(), m.firstConv().kernelSize(),
        m.firstConv().stride(), m.imgSize(), Activation.RELU, false, init, bnEpsilon, threads);
    params.addAll(stem.params());
    for (SearchableBlock b : space.blocks()) {
      if (b.branches().isEmpty()) {
        throw new IllegalArgumentException("block " + b.index() + " (" + b.superArgs() + ") is fixed; the training "
            + "engine trains supernets of searchable blocks (c12, c16, c102)");
      }
      SuperBlock sb = new SuperBlock("block" + b.index(), b, init, bnEpsilon, threads);
      blocks.add(sb);
      params.addAll(sb.params());
    }
    head = HeadLayer.of(m, space.layout().headInputChannels(), space.layout().headInputSize(), Activation.RELU,
        dropout, init, bnEpsilon, threads);
    params.addAll(head.params());
  }

  public SearchSpace space() {
    return space;
  }

  public List<Param> params() {
    return params;
  }

  /** The raw superkernel weights of a branch ([k][k][channels], what the search masks). */
  public Param depthwise(int block, int branch) {
    return blocks.get(block).depthwise.get(branch);
  }

  /**
   * Every parameter and each BN layer's running {@code <bn>.mean} / {@code <bn>.var}, by name; the
   * arrays are live (checkpoints read and restore them).
   */
  public java.util.Map<String, float[]> tensors() {
    List<BnLayer> norms = new ArrayList<>();
    norms.add(stem.bn);
    for (SuperBlock b : blocks) {
      if (b.bn1 != null) {
        norms.add(b.bn1);
      }
      norms.add(b.fused != null ? b.fused.bn : b.bn2);
      norms.add(b.bn3);
    }
    norms.add(head.conv.bn);
    return BnLayer.tensors(params, norms);
  }

  /**
   * The running-statistics momentum of the next training passes. Trainers ramp it like TensorFlow's
   * moving averages with {@code num_updates} — min(m, (1+t)/(10+t)) at step t — so a short run's
   * statistics are not dominated by their initial values; it depends on the step only, so a resumed
   * run ramps identically.
   */
  public double bnMomentum() {
    return bnMomentum;
  }

  public void setBnMomentum(double momentum) {
    this.bnMomentum = momentum;
  }

  /**
   * Whether evaluation runs blocks image by image where they allow it (on unless a test compares it
   * with the layer-by-layer evaluation); returns how many blocks do.
   */
  int evaluateByImage(boolean on) {
    int count = 0;
    for (SuperBlock b : blocks) {
      b.byImage = on;
      count += on && b.runsByImage() ? 1 : 0;
    }
    return count;
  }

  public void zeroGrad() {
    for (Param p : params) {
      java.util.Arrays.fill(p.grad(), 0f);
    }
  }

  /**
   * Logits for a batch of NHWC images; {@code weightHat[block][branch]} are the masked superkernels.
   * Training mode uses batch statistics (and updates the running ones) and dropout.
   */
  public float[] forward(float[] images, int n, float[][][] weightHat, boolean training, Random dropout) {
    float[] x = stem.forward(par, images, n, training, bnMomentum);
    for (int i = 0; i < blocks.size(); i++) {
      x = blocks.get(i).forward(par, x, n, weightHat[i], training, bnMomentum, scratch);
    }
    return head.forward(par, x, n, training, bnMomentum, dropout);
  }

  /** Accumulates parameter gradients from ∂L/∂logits; ∂L/∂Ŵ lands in {@link #weightHatGrad}. */
  public void backward(float[] dLogits) {
    float[] d = head.backward(par, dLogits, scratch);
    for (int i = blocks.size() - 1; i >= 0; i--) {
      d = blocks.get(i).backward(par, d, scratch);
    }
    stem.backward(par, d, scratch);
  }

  /**
   * Bytes of the activation and gradient buffers one training step at this batch size keeps
   * allocated (weights and their gradients not included).
   */
  public long trainingBytes(int batch) {
    TrainingFootprint f = new TrainingFootprint();
    stem.footprint(batch, f);
    for (SuperBlock b : blocks) {
      b.footprint(batch, f);
    }
    head.footprint(batch, f);
    return f.bytes();
  }

  public float[] weightHatGrad(int block, int branch) {
    return blocks.get(block).weightHatGrad(branch);
  }
}
