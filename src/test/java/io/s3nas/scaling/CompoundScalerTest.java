package io.s3nas.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockArgs;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compound scaling as docs/method.md §8 defines it. */
class CompoundScalerTest {
  static Architecture base() {
    SearchSpace space = SearchSpace.of(TestData.supernet("mixconv_super_3_4_7_4_11"));
    int[] choice = new int[space.blocks().size()];
    for (int i = 0; i < choice.length; i++) {
      choice[i] = space.blocks().get(i).outcomes().size() - 1; // k3,5,7 e2,2,2 everywhere: no skips
    }
    return space.architecture(choice);
  }

  @Test
  void reproducesTheWidthsAndInputOfOursLPlus() {
    Architecture l = CompoundScaler.scale(base(), Scaling.of(1.1, 1.0, 1.2).withDivisor(16));
    assertEquals(268, l.spec().imgSize());
    assertEquals(1408, l.spec().featureMixLayer().outputFilters());
    assertEquals(32, l.spec().firstConv().outputFilters());
    List<Integer> outs = l.spec().stages().stream().map(s -> s.blocks().get(s.blocks().size() - 1).outputFilters()).toList();
    assertEquals(List.of(32, 64, 144, 176, 288), outs);
    assertEquals(29, l.blocks().size(), "d = 1 adds nothing");
  }

  @Test
  void extraBlocksGoToTheLargestBlocksAsStrideOneCopiesRightAfterThem() {
    String json = """
        {"img_size": 32, "img_c": 3, "n_classes": 10,
         "first_conv": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 3, "strides": 2},
         "stages_args": [{"cls": "BasicStage", "blocks_args": ["r1_k3_s22_e4_i16_o24_c0", "r1_k5_s11_e6_i24_o24_c0", "r1_k3_s11_e2_i24_o24_c0"]}],
         "feature_mix_layer": {"cls": "Conv2D", "output_filters": 64, "kernel_size": 1}}
        """;
    Architecture a = Architecture.of(ModelJson.parse(json, "t"), "t");
    // d = 1.5: 3 blocks -> round(4.5) = 5 -> 2 extra: to the k5 e6 block and the first block's clone (k3 e4)
    Architecture s = CompoundScaler.scale(a, Scaling.of(1.0, 1.5, 1.0));
    List<BlockArgs> b = s.blocks();
    assertEquals(5, b.size());
    assertEquals("r1_k3_s22_e4_i16_o24_c0", b.get(0).toString());
    assertEquals("r1_k3_s11_e4_i24_o24_c0", b.get(1).toString(), "the first block's copy: stride 1, in = out");
    assertEquals("r1_k5_s11_e6_i24_o24_c0", b.get(2).toString());
    assertEquals("r1_k5_s11_e6_i24_o24_c0", b.get(3).toString());
    assertEquals("r1_k3_s11_e2_i24_o24_c0", b.get(4).toString());
    // each scaled block names the base block it is or copies (explain traces final blocks through it)
    assertEquals(List.of(0, 0, 1, 1, 2), CompoundScaler.origins(a, Scaling.of(1.0, 1.5, 1.0)));
    // d = 2.4: round(7.2) = 7 -> 4 extra: one round of copies (3), then the largest block
    assertEquals(7, CompoundScaler.scale(a, Scaling.of(1.0, 2.4, 1.0)).blocks().size());
    assertEquals(List.of(3, 4), List.of(CompoundScaler.scale(a, new Scaling(1, 1, List.of(3), 1, 8, 4)).blocks().size(),
        CompoundScaler.scale(a, new Scaling(1, 1, List.of(4), 1, 8, 4)).blocks().size()));
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> CompoundScaler.scale(a, new Scaling(1, 1, List.of(2), 1, 8, 4)));
    assertTrue(e.getMessage().contains("only grows"), e.getMessage());
  }

  @Test
  void roundFiltersIsEfficientNets() {
    Scaling s = Scaling.of(1.4, 1, 1);
    assertEquals(24, s.filters(16)); // 22.4 -> 24
    assertEquals(48, s.filters(32)); // 44.8 -> 48
    assertEquals(8, Scaling.of(1.0, 1, 1).filters(3), "at least the divisor");
    assertEquals(232, Scaling.of(1.0, 1, 1.037).imageSize(224));
  }
}
