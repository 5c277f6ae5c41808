package io.s3nas.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.TestData;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.LatencyTable;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlockStringsTest {

  @Test
  void roundTripsEveryPublishedSupernetString() {
    int n = 0;
    for (Path f : TestData.supernetFiles()) {
      for (StageSpec st : ModelJson.read(f).stages()) {
        for (BlockArgs b : st.blocks()) {
          String s = BlockStrings.format(b);
          assertEquals(b, BlockStrings.parse(s), f.toString());
          n++;
        }
      }
    }
    assertEquals(40, n, "8 supernets x 5 stages");
  }

  @Test
  void roundTripsEveryBlockFileNameOfTheMidapTable() {
    int blocks = 0;
    for (LatencyTable.Entry e : TestData.midap().entries()) {
      if (e.component().endsWith("Block") || e.component().startsWith("ConvBlock")) {
        assertEquals(e.key(), BlockStrings.format(BlockStrings.parse(e.key())));
        assertEquals(e.component(), BlockStrings.parse(e.key()).type().className());
        blocks++;
      }
    }
    assertEquals(733, blocks);
  }

  @Test
  void parsesEveryField() {
    BlockArgs b = BlockStrings.parse("r2_k3,5_s22_e2,4_i32_o40_c100_se0.25_noskip_hsw");
    assertEquals(2, b.repeat());
    assertEquals(List.of(3, 5), b.kernels());
    assertEquals(List.of(2, 4), b.expansions());
    assertEquals(2, b.strideH());
    assertEquals(32, b.inputFilters());
    assertEquals(40, b.outputFilters());
    assertEquals(BlockType.MIXCONV, b.type());
    assertEquals(0.25, b.seRatio());
    assertFalse(b.idSkip());
    assertEquals(Activation.HSWISH, b.activation());
    assertEquals("r2_k3,5_s22_e2,4_i32_o40_c100_se0.25_noskip_hsw", BlockStrings.format(b));
  }

  @Test
  void readsWholeActivationTokensSoHswIsNotSwish() {
    assertEquals(Activation.HSWISH, BlockStrings.parse("r1_k3_s11_e6_i8_o8_c0_hsw").activation());
    assertEquals(Activation.SWISH, BlockStrings.parse("r1_k3_s11_e6_i8_o8_c0_sw").activation());
    assertEquals(Activation.RELU6, BlockStrings.parse("r1_k3_s11_e6_i8_o8_c0_relu6").activation());
  }

  @Test
  void expansionsAreFloatsEncodedAsInts() {
    assertEquals("r1_k3_s11_e6_i8_o8_c0", BlockStrings.format(BlockStrings.parse("r1_k3_s11_e6.0_i8_o8_c0")));
  }

  @Test
  void missingTypeCodeMeansMbconv() {
    assertEquals(BlockType.MBCONV, BlockStrings.parse("r1_k3_s11_e6_i8_o8").type());
  }

  @Test
  void residualIsDerived() {
    assertTrue(BlockStrings.parse("r1_k3_s11_e6_i8_o8_c0").residual());
    assertFalse(BlockStrings.parse("r1_k3_s11_e6_i8_o8_c0_noskip").residual());
    assertFalse(BlockStrings.parse("r1_k3_s22_e6_i8_o8_c0").residual());
    assertFalse(BlockStrings.parse("r1_k3_s11_e6_i8_o16_c0").residual());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "r1_k3_s11_e6_i8", "r1_k3_s1_e6_i8_o8", "r1_k3_s11_e6_i8_o8_c7", "r1_k4_s11_e6_i8_o8",
      "r1_k3,5_s11_e6_i8_o8_c0", "r1_k3,5_s11_e2_i8_o8_c100", "r1_k3_s11_e1.5_i8_o8", "r1_k3_s11_e6_i8_o8_x9",
      "r1_k3_s11_e6_i8_o8_bogus", "r0_k3_s11_e6_i8_o8", "r1__k3_s11_e6_i8_o8", "r1_k3_s11_e6_i8_o8_se2",
      "r1_k3_s11_e6_i8_o8_relu_hsw", "r1_k3_k5_s11_e6_i8_o8"})
  void rejectsMalformedStringsWithAMessageNamingTheString(String s) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> BlockStrings.parse(s));
    assertTrue(e.getMessage().contains("block string '" + s + "'"), e.getMessage());
  }

  @Test
  void errorNamesTheField() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> BlockStrings.parse("r1_k3_s11_e6_i8"));
    assertEquals("o", e.field());
  }
}
