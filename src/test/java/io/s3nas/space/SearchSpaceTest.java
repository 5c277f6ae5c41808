package io.s3nas.space;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.latency.LatencyTable;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {

  private static SearchableBlock block(String s, int size) {
    return SearchSpace.block(new PlacedBlock(0, 0, 0, BlockStrings.parse(s), size, size));
  }

  @Test
  void residualMixconvBlockHasSixteenOutcomesAndOthersFifteen() {
    SearchableBlock res = block("r1_k5,5,7_s11_e2,2,2_i32_o32_c102", 56);
    SearchableBlock nonRes = block("r1_k5,5,7_s22_e2,2,2_i32_o32_c102", 112);
    assertEquals(16, res.outcomes().size());
    assertEquals(15, nonRes.outcomes().size());
    assertTrue(res.skippable());
    assertFalse(nonRes.skippable());
    assertEquals(BlockOutcome.SKIP, res.outcomes().get(0));
    assertEquals(List.of("k3 e2", "k3 e4", "k3 e6", "k5 e2", "k5 e4", "k5 e6", "k7 e2", "k3,5 e2,2", "k3,5 e2,4",
            "k3,5 e4,2", "k3,7 e2,2", "k3,7 e4,2", "k5,7 e2,2", "k5,7 e4,2", "k3,5,7 e2,2,2"),
        nonRes.outcomes().stream().map(BlockOutcome::label).toList());
    // only the largest-kernel branch is mandatory in a non-residual block
    assertFalse(nonRes.branches().get(2).canZeroOut());
    assertTrue(nonRes.branches().get(0).canZeroOut());
  }

  @Test
  void outcomesMatchTheLatencyTableFileSetExactly() {
    LatencyTable lut = TestData.midap();
    for (String s : List.of("r1_k5,5,7_s11_e2,2,2_i128_o128_c102", "r1_k5,5,7_s11_e2,2,2_i128_o160_c102")) {
      SearchableBlock b = block(s, 14);
      Set<String> keys = new HashSet<>();
      for (int o = 0; o < b.outcomes().size(); o++) {
        BlockArgs c = b.concrete(o);
        if (c != null) {
          keys.add(c.type().className() + "/" + c + "_imgsize14");
        }
      }
      Set<String> inTable = new HashSet<>();
      String in = "_i" + b.superArgs().inputFilters() + "_o" + b.superArgs().outputFilters() + "_c";
      for (LatencyTable.Entry e : lut.entries()) {
        if (e.inputSize() == 14 && e.key().contains("_s11_") && e.key().contains(in) && !e.key().contains("noskip")
            && (e.component().equals("MBConvBlock") || e.component().equals("MixConvBlock"))) {
          inTable.add(e.tableKey());
        }
      }
      assertEquals(inTable, keys, s);
    }
  }

  @Test
  void mbconvChoicesFollowTheReference() {
    SearchableBlock res = block("r1_k5_s11_e6_i32_o32_c12", 56);
    SearchableBlock non = block("r1_k5_s22_e6_i32_o64_c12", 56);
    assertEquals(List.of(3, 5), res.branches().get(0).kernelOptions());
    assertEquals(List.of(0, 2, 4, 6), res.branches().get(0).expansionOptions());
    assertEquals(List.of(2, 4, 6), non.branches().get(0).expansionOptions());
    assertEquals(7, res.outcomes().size());
    assertEquals(6, non.outcomes().size());
    assertEquals(BlockType.MBCONV, res.concrete(1).type());
    BlockArgs fused = block("r1_k5_s11_e6_i32_o32_c16", 56).concrete(1);
    assertEquals(BlockType.CONV_KXK_1X1, fused.type());
  }

  @Test
  void skippabilityFollowsTheResidualTestNotThePosition() {
    SearchSpace fashion = SearchSpace.of(TestData.supernet(TestData.FASHION));
    assertEquals(16, fashion.blocks().size());
    assertTrue(fashion.blocks().get(0).skippable(), "stage 1 starts stride 1, 16->16: residual");
    assertTrue(fashion.blocks().get(1).skippable());
    assertFalse(fashion.blocks().get(2).skippable());
    for (String name : List.of("mixconv_super_3_4_7_4_11", "mbconv_super_2_3_5_2_8", "conv_super_4_4_4_4_4")) {
      SearchSpace s = SearchSpace.of(TestData.supernet(name));
      for (SearchableBlock b : s.blocks()) {
        assertEquals(b.indexInStage() > 0, b.skippable(), name + " block " + b.index());
      }
    }
  }

  @Test
  void aWholeStageMayVanishWhenAllItsBlocksAreSkipped() {
    SearchSpace fashion = SearchSpace.of(TestData.supernet(TestData.FASHION));
    int[] choice = new int[16];
    choice[0] = 0;
    choice[1] = 0;
    for (int i = 2; i < 16; i++) {
      choice[i] = 1;
    }
    Architecture a = fashion.architecture(choice);
    assertEquals(4, a.spec().stages().size());
    assertEquals(14, a.blocks().size());
    assertArrayEquals(choice, fashion.choiceOf(a));
  }

  @Test
  void architecturesMapBackToTheirChoices() {
    SearchSpace s = SearchSpace.of(TestData.supernet("mixconv_super_3_4_7_4_11"));
    Random r = new Random(3);
    for (int t = 0; t < 50; t++) {
      int[] c = new int[s.blocks().size()];
      for (SearchableBlock b : s.blocks()) {
        c[b.index()] = r.nextInt(b.outcomes().size());
      }
      Architecture a = s.architecture(c);
      // skipping block i or block i+1 of a stage of equal blocks gives the same network, so
      // choices map back to an equivalent choice, not always the same one
      assertEquals(a, s.architecture(s.choiceOf(a)));
      assertEquals(a, Architecture.of(ModelJson.parse(ModelJson.format(a.spec()), "x"), "x"));
    }
  }

  @Test
  void outcomeProbabilitiesSumOverBranchCombinations() {
    SearchableBlock b = block("r1_k5,5,7_s11_e2,2,2_i16_o16_c102", 28);
    double[][] uniform = new double[3][];
    for (int i = 0; i < 3; i++) {
      int n = b.branches().get(i).choiceCount();
      uniform[i] = new double[n];
      java.util.Arrays.fill(uniform[i], 1.0 / n);
    }
    double[] p = b.outcomeProbabilities(uniform);
    assertEquals(1.0, java.util.Arrays.stream(p).sum(), 1e-12);
    // skip needs every branch zeroed: (1/2)(1/2)(1/2)
    assertEquals(0.125, p[0], 1e-12);
    // a deterministic choice puts all mass on one outcome
    double[][] hard = {{0, 0, 0, 1}, {1, 0, 0, 0}, {0, 0, 0, 0, 0, 1}};
    double[] q = b.outcomeProbabilities(hard);
    // branch 0 takes k5 e2, branch 1 is zeroed, branch 2 takes k7 e2
    int at = b.outcomeIndex(new BlockOutcome(List.of(5, 7), List.of(2, 2)));
    assertEquals(1.0, q[at], 1e-12);
  }

  @Test
  void searchableBlocksCannotBeArchitectures() {
    assertThrows(io.s3nas.common.InvalidInputException.class,
        () -> Architecture.of(TestData.supernet(TestData.FASHION), "fashion"));
    assertNull(block("r1_k5,5,7_s11_e2,2,2_i16_o16_c102", 28).concrete(0));
  }
}
