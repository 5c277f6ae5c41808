package io.s3nas.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelJsonTest {

  @Test
  void roundTripsEveryShippedSupernet() {
    for (Path f : TestData.supernetFiles()) {
      ModelSpec a = ModelJson.read(f);
      ModelSpec b = ModelJson.parse(ModelJson.format(a), "formatted " + f);
      assertEquals(a, b, f.toString());
      assertTrue(a.stagesAsStrings());
      assertTrue(a.isSupernet());
    }
  }

  @Test
  void readsStageObjectsWithStringAndDictBlocksAndOptionalKeys() {
    String json = """
        {"img_size": 32, "img_c": 3, "n_classes": 10,
         "first_conv": {"cls": "Conv2D", "output_filters": 16, "kernel_size": [3, 3], "strides": [2, 2]},
         "stages_args": [
           {"cls": "BasicStage", "blocks_args": ["r1_k3_s11_e1_i16_o16_c0",
             {"num_repeat": 2, "conv_type": 100, "kernel_size": [3, 5], "input_filters": 16, "output_filters": 24,
              "expand_ratio": [2.0, 4.0], "strides": [2, 2], "id_skip": true, "se_ratio": 0.25, "act_fn": "hsw"}]}],
         "feature_mix_layer": {"cls": "Conv2D", "output_filters": 64, "kernel_size": 1},
         "final_expand_layer": {"cls": "Conv2D", "output_filters": 48, "kernel_size": 1},
         "act_fn": "hsw", "se_gating_fn": "hsigmoid"}
        """;
    ModelSpec m = ModelJson.parse(json, "inline");
    assertEquals(2, m.stages().get(0).blocks().size());
    BlockArgs mix = m.stages().get(0).blocks().get(1);
    assertEquals("r2_k3,5_s22_e2,4_i16_o24_c100_se0.25_hsw", mix.toString());
    assertEquals(Activation.HSWISH, m.actFn());
    assertEquals(Activation.HSIGMOID, m.seGatingFn());
    assertNull(m.seInnerActFn());
    assertEquals(48, m.finalExpandLayer().outputFilters());
    assertEquals(m, ModelJson.parse(ModelJson.format(m), "again"));
    assertEquals(3, m.spannedBlocks().size());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"img_c\":1,\"n_classes\":10,\"first_conv\":{\"output_filters\":8,\"kernel_size\":3},\"stages_args\":[\"r1_k3_s11_e6_i8_o8_c0\"],\"feature_mix_layer\":{\"output_filters\":8,\"kernel_size\":1}}|img_size|missing",
      "{\"img_size\":28,\"img_c\":1,\"n_classes\":10,\"first_conv\":{\"output_filters\":8,\"kernel_size\":3},\"stages_args\":[\"r1_k3_s11_e6_i8_o8_c0\"],\"feature_mix_layer\":{\"output_filters\":8,\"kernel_size\":1},\"dropout\":0.2}|dropout|unknown field",
      "{\"img_size\":\"28\",\"img_c\":1,\"n_classes\":10,\"first_conv\":{\"output_filters\":8,\"kernel_size\":3},\"stages_args\":[\"r1_k3_s11_e6_i8_o8_c0\"],\"feature_mix_layer\":{\"output_filters\":8,\"kernel_size\":1}}|img_size|integer",
      "{\"img_size\":28,\"img_c\":1,\"n_classes\":10,\"first_conv\":{\"output_filters\":8,\"kernel_size\":3},\"stages_args\":[\"r1_k3_s11_e6_i8_o8_c0\", \"r1_k9_s11_e6_i8\"],\"feature_mix_layer\":{\"output_filters\":8,\"kernel_size\":1}}|stages_args[1]|'o'",
      "{\"img_size\":28,\"img_c\":1,\"n_classes\":10,\"first_conv\":{\"output_filters\":8,\"kernel_size\":3},\"stages_args\":[\"r1_k3_s11_e6_i16_o8_c0\"],\"feature_mix_layer\":{\"output_filters\":8,\"kernel_size\":1}}|stages_args[0]|do not match",
      "{\"img_size\":28,\"img_c\":1,\"n_classes\":10,\"first_conv\":{\"output_filters\":8,\"kernel_size\":3},\"stages_args\":[\"r1_k3_s11_e6_i8_o8_c0\"],\"feature_mix_layer\":{\"output_filters\":8,\"kernel_size\":1},\"act_fn\":\"gelu\"}|act_fn|unknown activation",
      "{\"img_size\":28,|<none>|not valid JSON"})
  void rejectsBadModelsNamingFileAndField(String json, String field, String expectation) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelJson.parse(json, "model.json"));
    assertTrue(e.getMessage().startsWith("model.json"), e.getMessage());
    if (!field.equals("<none>")) {
      assertEquals(field, e.field(), e.getMessage());
    }
    assertTrue(e.getMessage().contains(expectation), e.getMessage());
  }

  @Test
  void missingFileIsAnInputError() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelJson.read(Path.of("no/such.json")));
    assertTrue(e.getMessage().contains("file not found"));
  }

  @Test
  void hostileInputsAreRefusedWithAMessageNotACrash() {
    String deep = "{\"img_size\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    InvalidInputException nested = assertThrows(InvalidInputException.class, () -> ModelJson.parse(deep, "deep.json"));
    assertTrue(nested.getMessage().contains("not valid JSON") && nested.getMessage().contains("nesting"),
        nested.getMessage());
    InvalidInputException huge = assertThrows(InvalidInputException.class,
        () -> BlockStrings.parse("r2000000000_k3_s11_e6_i8_o8_c0", "--arch"));
    assertEquals("r", huge.field(), huge.getMessage());
    InvalidInputException wide = assertThrows(InvalidInputException.class,
        () -> BlockStrings.parse("r1_k3_s11_e6_i8_o900000000_c0", "--arch"));
    assertEquals("o", wide.field(), wide.getMessage());
  }
}
