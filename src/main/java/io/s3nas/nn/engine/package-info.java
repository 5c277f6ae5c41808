/**
 * The explicit training engine's kernels on NHWC float arrays: 1x1 convolutions as matrix
 * products, depthwise convolutions, batch normalisation fused with ReLU, each with its backward
 * pass and checked against finite differences. See docs/engine-measurements.md for why.
 */
package io.s3nas.nn.engine;
