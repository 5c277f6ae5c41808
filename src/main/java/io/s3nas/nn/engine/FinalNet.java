package io.s3nas.nn.engine;

import io.s3nas.space.Activation;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.PlacedBlock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A final (derived or hand-written) network as an explicit NHWC forward/backward engine: stem,
 * one {@link FinalBlock} per block of the architecture (MBConv, MixConv, fused, SE, any activation),
 * head. Drop-connect grows linearly with the block index (docs/method.md §6.3: block i of N gets
 * rate·i/N). {@link #tensors()} names every trained tensor and BN statistic; saving, EMA and export
 * read them by those names.
 */
public final class FinalNet {
  private final Architecture arch;
  private final Parallel par;
  private final Scratch scratch;
  private double bnMomentum;
  private final ConvBn stem;
  private final List<FinalBlock> blocks = new ArrayList<>();
  private final HeadLayer head;
  private final List<Param> params = new ArrayList<>();
  private final List<BnLayer> norms = new ArrayList<>();

  public FinalNet(Architecture arch, long seed, int threads, double dropout, double dropConnect, double bnMomentum,
                  double bnEpsilon) {
    this.arch = arch;
    this.par = new Parallel(threads);
    this.scratch = new Scratch(threads);
    this.bnMomentum = bnMomentum;
    Random init = new Random(seed);
    ModelSpec m = arch.spec();
    Activation act = m.activationOrDefault();
    stem = new ConvBn("stem", m.imgChannels(), m.firstConv().outputFilters(), m.firstConv().kernelSize(),
        m.firstConv().stride(), m.imgSize(), act, false, init, bnEpsilon, threads);
    params.addAll(stem.params());
    norms.add(stem.bn);
    List<PlacedBlock> placed = arch.layout().blocks();
    for (int i = 0; i < placed.size(); i++) {
      PlacedBlock p = placed.get(i);
      FinalBlock fb = new FinalBlock("block" + i, p.args(), p.inputSize(), act, m.seInnerOrDefault(),
          m.seGatingOrDefault(), dropConnect * i / placed.size(), init, bnEpsilon, threads);
      blocks.add(fb);
      params.addAll(fb.params());
      if (fb.front != null) {
        norms.add(fb.front.bn);
      }
      if (fb.dwBn != null) {
        norms.add(fb.dwBn);
      }
      norms.add(fb.project.bn);
    }
    head = HeadLayer.of(m, arch.layout().headInputChannels(), arch.layout().headInputSize(), act, dropout, init,
        bnEpsilon, threads);
    params.addAll(head.params());
    norms.add(head.conv.bn);
  }

  public Architecture architecture() {
    return arch;
  }

  public List<Param> params() {
    return params;
  }

  /**
   * Every tensor that defines the trained network, by name: parameters, and each BN layer's running
   * {@code <bn>.mean} and {@code <bn>.var}. The arrays are live: writing them changes the network.
   */
  public Map<String, float[]> tensors() {
    return BnLayer.tensors(params, norms);
  }

  /**
   * The running-statistics momentum of the next training passes. Trainers ramp it like TensorFlow's
   * moving averages with {@code num_updates} — min(m, (1+t)/(10+t)) at step t — so a short run's
   * statistics are not dominated by their initial values; it depends on the step only, so a resumed
   * run ramps identically.
   */
  public void setBnMomentum(double momentum) {
    this.bnMomentum = momentum;
  }

  public void zeroGrad() {
    for (Param p : params) {
      java.util.Arrays.fill(p.grad(), 0f);
    }
  }

  /**
   * Whether evaluation runs blocks image by image where they allow it (on unless a test compares
   * it with the layer-by-layer evaluation); returns how many blocks do.
   */
  int evaluateByImage(boolean on) {
    int count = 0;
    for (FinalBlock b : blocks) {
      b.byImage = on;
      count += on && b.runsByImage() ? 1 : 0;
    }
    return count;
  }

  /**
   * Whether training's depthwise layers read their expansion's output normalised as they go
   * ({@link FinalBlock#frontNormalisedOnRead}; on by default, off only to compare the two in tests);
   * returns how many blocks do.
   */
  int readExpansionNormalised(boolean on) {
    int count = 0;
    for (FinalBlock b : blocks) {
      b.expansionReadNormalised = on;
      count += b.frontNormalisedOnRead() ? 1 : 0;
    }
    return count;
  }

  /** Logits of NHWC images; training uses batch statistics (updating the running ones), dropout and drop-connect. */
  public float[] forward(float[] images, int n, boolean training, Random rng) {
    float[] x = stem.forward(par, images, n, training, bnMomentum);
    for (FinalBlock b : blocks) {
      x = b.forward(par, x, n, training, bnMomentum, rng, scratch);
    }
    return head.forward(par, x, n, training, bnMomentum, rng);
  }

  /**
   * Bytes of the activation and gradient buffers one training step at this batch size keeps
   * allocated (weights and their gradients not included).
   */
  public long trainingBytes(int batch) {
    TrainingFootprint f = new TrainingFootprint();
    stem.footprint(batch, f);
    for (int i = 0; i < blocks.size(); i++) {
      blocks.get(i).footprint(batch, f, "block" + i);
    }
    head.footprint(batch, f);
    return f.bytes();
  }

  /** Accumulates parameter gradients from ∂L/∂logits of the last training forward. */
  public void backward(float[] dLogits) {
    float[] d = head.backward(par, dLogits, scratch);
    for (int i = blocks.size() - 1; i >= 0; i--) {
      d = blocks.get(i).backward(par, d, scratch, "block" + i);
    }
    stem.backward(par, d, scratch);
  }

  /**
   * Per SE block (by block index), the gates of the last forward pass as [images][channels]: the
   * excitations rmSE ranks (docs/method.md §9).
   */
  public Map<Integer, float[]> excitations() {
    Map<Integer, float[]> e = new LinkedHashMap<>();
    for (int i = 0; i < blocks.size(); i++) {
      if (blocks.get(i).se != null) {
        e.put(i, blocks.get(i).se.gates());
      }
    }
    return e;
  }
}
