package io.s3nas.nn.infer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded random weights (EfficientNet init, std √(2/fan_out)) for timing: latency does not depend on values. */
final class RandomWeights implements Weights {
  RandomWeights(long seed) {
    Nd4j.getRandom().setSeed(seed);
  }

  @Override
  public INDArray[] conv(String layer, int k, int cin, int cout) {
    return new INDArray[] {Nd4j.randn(DataType.FLOAT, k, k, cin, cout).muli(Math.sqrt(2.0 / (k * k * cout))),
        Nd4j.zeros(DataType.FLOAT, cout)};
  }

  @Override
  public INDArray[] depthwise(String block, int group, int k, int offset, int channels) {
    return new INDArray[] {Nd4j.randn(DataType.FLOAT, k, k, channels, 1).muli(Math.sqrt(2.0 / (k * k))),
        Nd4j.zeros(DataType.FLOAT, channels)};
  }

  @Override
  public INDArray[] dense(String layer, int in, int out) {
    double r = 1.0 / Math.sqrt(out);
    return new INDArray[] {Nd4j.rand(DataType.FLOAT, in, out).muli(2 * r).subi(r), Nd4j.zeros(DataType.FLOAT, out)};
  }
}
