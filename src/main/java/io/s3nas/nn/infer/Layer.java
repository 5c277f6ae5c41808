package io.s3nas.nn.infer;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A layer of the inference net: appends its steps to a plan, reading {@code input}, returning its output buffer. */
interface Layer {
  INDArray compile(Plan plan, INDArray input);
}
