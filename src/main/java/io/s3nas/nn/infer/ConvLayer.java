package io.s3nas.nn.infer;

import io.s3nas.space.Activation;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * A k×k convolution (full or depthwise) with TensorFlow 'SAME' padding, BN folded into the bias
 * (inference), then an optional activation. Weights are YXIO ([kH, kW, in, out]; depthwise
 * [kH, kW, C, 1]).
 */
final class ConvLayer implements Layer {
  private final INDArray weights;
  private final INDArray bias;
  private final Conv2DConfig config;
  private final boolean depthwise;
  private final int outChannels;
  private final int stride;
  private final Activation act;

  ConvLayer(INDArray weights, INDArray bias, int k, int stride, boolean depthwise, Activation act) {
    this.weights = weights;
    this.bias = bias;
    this.depthwise = depthwise;
    this.stride = stride;
    this.outChannels = (int) (depthwise ? weights.size(2) : weights.size(3));
    this.act = act;
    this.config = Conv2DConfig.builder().kH(k).kW(k).sH(stride).sW(stride).dH(1).dW(1)
        .paddingMode(PaddingMode.SAME).dataFormat(Conv2DConfig.NCHW).weightsFormat(WeightsFormat.YXIO).build();
  }

  @Override
  public INDArray compile(Plan plan, INDArray x) {
    long h = (x.size(2) + stride - 1) / stride;
    long w = (x.size(3) + stride - 1) / stride;
    INDArray out = plan.alloc(x.size(0), outChannels, h, w);
    if (depthwise) {
      plan.exec(new DepthwiseConv2D(x, weights, bias, out, config));
    } else {
      plan.exec(new Conv2D(x, weights, bias, out, config));
    }
    if (act != null) {
      Activations.compile(plan, out, act);
    }
    return out;
  }
}
