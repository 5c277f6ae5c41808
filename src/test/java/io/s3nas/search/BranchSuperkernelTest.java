package io.s3nas.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.space.Branch;
import io.s3nas.space.BlockStrings;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BranchSuperkernelTest {

  static float[] randomWeights(BranchSuperkernel k, long seed, double scale) {
    Random r = new Random(seed);
    float[] w = new float[k.weightCount()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * scale);
    }
    return w;
  }

  /** L = <R, Ŵ> + <Q, P>, evaluated in double. */
  static double loss(BranchSuperkernel k, float[] w, float[] r, double[] q) {
    BranchSuperkernel.Forward f = k.forward(w, IndicatorMode.SOFT, null, true);
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += (double) r[i] * f.weightHat()[i];
    }
    for (int i = 0; i < q.length; i++) {
      s += q[i] * f.probabilities()[i];
    }
    return s;
  }

  void gradientCheck(Branch branch, int in) {
    gradientCheck(branch, in, 1);
  }

  void gradientCheck(Branch branch, int in, int fanIn) {
    BranchSuperkernel k = new BranchSuperkernel(branch, in, fanIn);
    float[] w = randomWeights(k, 1, 0.3);
    // thresholds near the norms so the sigmoids are in their sensitive range
    BranchSuperkernel.Forward f0 = k.forward(w, IndicatorMode.SOFT, null, true);
    for (int j = 0; j < k.kernelThresholds().length; j++) {
      k.kernelThresholds()[j] = f0.ringNorm()[j] - 0.3 + 0.2 * j;
    }
    for (int m = 0; m < k.channelThresholds().length; m++) {
      k.channelThresholds()[m] = f0.groupNorm()[m] * 0.9 + 0.1 * m;
    }
    float[] r = randomWeights(k, 2, 1.0);
    Random rq = new Random(3);
    double[] q = new double[branch.choiceCount()];
    for (int i = 0; i < q.length; i++) {
      q[i] = rq.nextGaussian();
    }
    BranchSuperkernel.Forward f = k.forward(w, IndicatorMode.SOFT, null, true);
    BranchSuperkernel.Gradients g = k.backward(w, f, r, q);
    double h = 1e-3;
    for (int j = 1; j < k.kernelThresholds().length; j++) {
      double t = k.kernelThresholds()[j];
      k.kernelThresholds()[j] = t + h;
      double up = loss(k, w, r, q);
      k.kernelThresholds()[j] = t - h;
      double down = loss(k, w, r, q);
      k.kernelThresholds()[j] = t;
      assertEquals((up - down) / (2 * h), g.kernelThresholds()[j], 2e-3, "kernel threshold " + j);
    }
    for (int m = branch.canZeroOut() ? 0 : 1; m < k.channelThresholds().length; m++) {
      double t = k.channelThresholds()[m];
      k.channelThresholds()[m] = t + h;
      double up = loss(k, w, r, q);
      k.channelThresholds()[m] = t - h;
      double down = loss(k, w, r, q);
      k.channelThresholds()[m] = t;
      assertEquals((up - down) / (2 * h), g.channelThresholds()[m], 2e-3, "channel threshold " + m);
    }
    Random pick = new Random(4);
    for (int trial = 0; trial < 40; trial++) {
      int i = pick.nextInt(w.length);
      float v = w[i];
      w[i] = (float) (v + h);
      double up = loss(k, w, r, q);
      w[i] = (float) (v - h);
      double down = loss(k, w, r, q);
      w[i] = v;
      double fd = (up - down) / (2 * h);
      assertEquals(fd, g.weight()[i], 2e-3 + 2e-3 * Math.abs(fd), "weight " + i);
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesOfTheSoftForward() {
    // MixConv branches: residual k5 (may zero), non-residual largest k7 (mandatory)
    gradientCheck(new Branch(5, List.of(3, 5), List.of(0, 2), true), 3);
    gradientCheck(new Branch(7, List.of(3, 5, 7), List.of(2), false), 2);
    // MBConv k5 e6 residual: 1 kernel threshold + 3 channel thresholds
    gradientCheck(new Branch(5, List.of(3, 5), List.of(0, 2, 4, 6), true), 2);
    gradientCheck(new Branch(5, List.of(3, 5), List.of(2, 4, 6), false), 2);
    // fused front conv [k][k][in][C]: rings over taps, groups over output channels
    gradientCheck(new Branch(5, List.of(3, 5), List.of(0, 2, 4), true), 2, 2);
  }

  @Test
  void fusedSuperkernelMasksOutputChannelGroupsAcrossAllInputs() {
    int in = 2;
    BranchSuperkernel k = new BranchSuperkernel(new Branch(5, List.of(3, 5), List.of(2, 4), false), in, in);
    assertEquals(5 * 5 * in * 8, k.weightCount());
    float[] w = randomWeights(k, 6, 0.5);
    k.channelThresholds()[1] = 1e9; // the second group (output channels 4..7) off
    k.kernelThresholds()[1] = 1e9;  // the 5x5 ring off
    float[] hat = k.forward(w, IndicatorMode.HARD, null, true).weightHat();
    for (int ky = 0; ky < 5; ky++) {
      for (int kx = 0; kx < 5; kx++) {
        boolean ring = Math.max(Math.abs(ky - 2), Math.abs(kx - 2)) == 2;
        for (int ci = 0; ci < in; ci++) {
          for (int c = 0; c < 8; c++) {
            int i = ((ky * 5 + kx) * in + ci) * 8 + c;
            assertEquals(ring || c >= 4 ? 0f : w[i], hat[i], 0f, "tap " + ky + "," + kx + " in " + ci + " out " + c);
          }
        }
      }
    }
  }

  @Test
  void thresholdsAtZeroSelectTheWholeSuperkernel() {
    Branch b = new Branch(7, List.of(3, 5, 7), List.of(0, 2), true);
    BranchSuperkernel k = new BranchSuperkernel(b, 4);
    float[] w = randomWeights(k, 5, 0.1);
    BranchSuperkernel.Forward f = k.forward(w, IndicatorMode.HARD, null, true);
    assertArrayEquals(w, f.weightHat());
    assertEquals(List.of(2, 1), List.of(k.decision(f)[0], k.decision(f)[1]), "k7, e2");
    assertEquals(1.0, f.probabilities()[2 * 2 + 1]);
    assertEquals(3, k.thresholdCount());
  }

  @Test
  void hugeThresholdsZeroOptionalBranchesAndKeepTheCoreOfMandatoryOnes() {
    BranchSuperkernel optional = new BranchSuperkernel(new Branch(5, List.of(3, 5), List.of(0, 2), true), 4);
    BranchSuperkernel mandatory = new BranchSuperkernel(new Branch(7, List.of(3, 5, 7), List.of(2), false), 4);
    for (BranchSuperkernel k : List.of(optional, mandatory)) {
      java.util.Arrays.fill(k.kernelThresholds(), 1e6);
      java.util.Arrays.fill(k.channelThresholds(), 1e6);
    }
    float[] w = randomWeights(optional, 6, 1);
    BranchSuperkernel.Forward f = optional.forward(w, IndicatorMode.HARD, null, true);
    for (float v : f.weightHat()) {
      assertEquals(0f, Math.abs(v));
    }
    assertEquals(0, optional.decision(f)[1], "expansion option 0: zeroed");
    float[] w7 = randomWeights(mandatory, 7, 1);
    BranchSuperkernel.Forward g = mandatory.forward(w7, IndicatorMode.HARD, null, true);
    assertEquals(0, mandatory.decision(g)[0], "only the 3x3 core");
    int c = mandatory.channels();
    for (int y = 0; y < 7; y++) {
      for (int x = 0; x < 7; x++) {
        boolean core = Math.abs(y - 3) <= 1 && Math.abs(x - 3) <= 1;
        for (int ch = 0; ch < c; ch++) {
          int i = (y * 7 + x) * c + ch;
          assertEquals(core ? w7[i] : 0f, core ? g.weightHat()[i] : Math.abs(g.weightHat()[i]));
        }
      }
    }
  }

  @Test
  void warmupDropoutSamplesEveryOutcomeOfASplitEqually() {
    record Case(Branch branch, int options, boolean kernel) {}
    for (Case cs : List.of(new Case(new Branch(7, List.of(3, 5, 7), List.of(2), false), 3, true),
        new Case(new Branch(5, List.of(3, 5), List.of(0, 2, 4, 6), true), 4, false),
        new Case(new Branch(5, List.of(3, 5), List.of(2, 4, 6), false), 3, false),
        new Case(new Branch(5, List.of(3, 5), List.of(0, 2), true), 2, false))) {
      BranchSuperkernel k = new BranchSuperkernel(cs.branch(), 2);
      float[] w = randomWeights(k, 8, 1);
      int[] counts = new int[cs.options()];
      Random rng = new Random(9);
      int n = 40_000;
      for (int i = 0; i < n; i++) {
        BranchSuperkernel.Forward f = k.forward(w, IndicatorMode.HARD, rng, true);
        counts[k.decision(f)[cs.kernel() ? 0 : 1]]++;
      }
      for (int c : counts) {
        assertEquals(1.0 / cs.options(), (double) c / n, 0.01, cs.toString());
      }
    }
  }

  @Test
  void keptIndicatorsAreScaledLikeTensorflowDropout() {
    BranchSuperkernel k = new BranchSuperkernel(new Branch(5, List.of(3, 5), List.of(0, 2), true), 1);
    float[] w = randomWeights(k, 10, 1);
    Random rng = new Random(11);
    boolean sawScaled = false;
    for (int i = 0; i < 50; i++) {
      BranchSuperkernel.Forward f = k.forward(w, IndicatorMode.HARD, rng, true);
      for (double d : f.dc()) {
        assertTrue(d == 0 || d == 2.0, "kept with rate 1/2 -> x2");
        sawScaled |= d == 2.0;
      }
    }
    assertTrue(sawScaled);
  }

  @Test
  void blockOutcomeGradientMatchesFiniteDifferences() {
    SearchableBlock b = SearchSpaceAccess.block("r1_k5,5,7_s11_e2,2,2_i4_o4_c102", 8);
    Random r = new Random(12);
    double[][] bp = new double[3][];
    for (int i = 0; i < 3; i++) {
      bp[i] = new double[b.branches().get(i).choiceCount()];
      for (int j = 0; j < bp[i].length; j++) {
        bp[i][j] = r.nextDouble();
      }
    }
    double[] dOut = new double[b.outcomes().size()];
    for (int o = 0; o < dOut.length; o++) {
      dOut[o] = r.nextGaussian();
    }
    double[][] g = OutcomeProbabilities.backward(b, bp, dOut);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < bp[i].length; j++) {
        double h = 1e-6;
        double v = bp[i][j];
        bp[i][j] = v + h;
        double up = NestedSplitTest.dot(OutcomeProbabilities.forward(b, bp), dOut);
        bp[i][j] = v - h;
        double down = NestedSplitTest.dot(OutcomeProbabilities.forward(b, bp), dOut);
        bp[i][j] = v;
        assertEquals((up - down) / (2 * h), g[i][j], 1e-7);
      }
    }
  }

  /** Access to the package-private space builder for a single block. */
  static final class SearchSpaceAccess {
    static SearchableBlock block(String s, int size) {
      var spec = io.s3nas.space.ModelJson.parse("{\"img_size\":" + size + ",\"img_c\":1,\"n_classes\":2,"
          + "\"first_conv\":{\"output_filters\":" + BlockStrings.parse(s).inputFilters() + ",\"kernel_size\":1},"
          + "\"stages_args\":[\"" + s + "\"],\"feature_mix_layer\":{\"output_filters\":8,\"kernel_size\":1}}", "block");
      return SearchSpace.of(spec).blocks().get(0);
    }
  }

}
