package io.s3nas.nn.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** One superblock's input gradient against finite differences (residual MixConv and strided MBConv blocks). */
class SuperBlockTest {
  @Test
  void inputGradientMatchesFiniteDifferences() {
    SearchSpace space = SearchSpace.of(ModelJson.parse(SupernetNetTest.TINY, "tiny"));
    Parallel par = new Parallel(2);
    for (int bi : new int[] {0, 2}) {
      SearchableBlock sb = space.blocks().get(bi);
      SuperBlock block = new SuperBlock("b", sb, new Random(1), 1e-3, 2);
      int n = 3;
      int in = sb.superArgs().inputFilters();
      float[] x = KernelGradientTest.random(n * 36 * in, 2);
      float[][] hat = new float[block.depthwise.size()][];
      for (int i = 0; i < hat.length; i++) {
        hat[i] = block.depthwise.get(i).value();
      }
      // one scratch for both passes, as the supernet has: the activations the forward pass leaves
      // there are what backward recomputes
      Scratch scratch = new Scratch(2);
      float[] y = block.forward(par, x, n, hat, true, 0.99, scratch);
      float[] r = KernelGradientTest.random(y.length, 3);
      float[] dx = block.backward(par, r.clone(), scratch);
      Random pick = new Random(4);
      int ok = 0;
      int tries = 40;
      for (int t = 0; t < tries; t++) {
        int j = pick.nextInt(x.length);
        float keep = x[j];
        double h = 3e-3;
        x[j] = (float) (keep + h);
        double up = KernelGradientTest.dot(r, block.forward(par, x, n, hat, true, 0.99, scratch).clone());
        x[j] = (float) (keep - h);
        double down = KernelGradientTest.dot(r, block.forward(par, x, n, hat, true, 0.99, scratch).clone());
        x[j] = keep;
        double fd = (up - down) / (2 * h);
        ok += Math.abs(fd - dx[j]) <= 2e-3 + 2e-2 * Math.abs(fd) ? 1 : 0;
      }
      // a perturbation moves the batch statistics of a whole channel, so now and then a ReLU input
      // crosses zero inside the finite-difference interval: allow a few such kinks, not a wrong rule
      assertTrue(ok >= tries * 0.9, "block " + bi + ": " + ok + " of " + tries + " input gradients match");
    }
  }
}
