package io.s3nas.space;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.s3nas.TestData;
import org.junit.jupiter.api.Test;

class ComplexityTest {

  @Test
  void mbconvBlockByHand() {
    // 1x1 expand 16->96, dw 3x3 on 96, project 96->24, stride 2 from 28 to 14; BN after each conv
    BlockArgs b = BlockStrings.parse("r1_k3_s22_e6_i16_o24_c0");
    Cost c = Complexity.block(b, 28);
    long params = 16 * 96 + 2 * 96 + 9 * 96 + 2 * 96 + 96 * 24 + 2 * 24;
    long macs = 28L * 28 * 16 * 96 + 14L * 14 * 9 * 96 + 14L * 14 * 96 * 24;
    assertEquals(new Cost(params, macs), c);
  }

  @Test
  void mixconvWithUnequalSplitsAndSe() {
    BlockArgs b = BlockStrings.parse("r1_k3,5_s11_e4,2_i8_o8_c100_se0.25");
    Cost c = Complexity.block(b, 10);
    int e = 48;
    long params = 8 * e + 2 * e + (9 * 32 + 25 * 16) + 2 * e + (e * 2 + 2) + (2 * e + e) + e * 8 + 2 * 8;
    long macs = 100L * 8 * e + 100L * (9 * 32 + 25 * 16) + (e * 2 + 2 * e) + 100L * e * 8;
    assertEquals(new Cost(params, macs), c);
  }

  @Test
  void fashionSupernetMatchesThePytorchPeersParameterCount() {
    // the peer reports 727,878 trainable parameters including 108 thresholds
    assertEquals(727_878 - 108, Complexity.total(TestData.supernet(TestData.FASHION)).params());
  }

  @Test
  void skipCostsNothing() {
    assertEquals(Cost.ZERO, Complexity.block(BlockStrings.parse("r1_k3_s11_e0_i8_o8_c0"), 8));
  }
}
