/**
 * The explicit training engines on NHWC float arrays: kernels (1x1 and k×k convolutions as matrix
 * products, depthwise convolutions, batch normalisation fused with ReLU, activations, SE), each
 * with its backward pass and checked against finite differences; the supernet ({@code SupernetNet})
 * and final networks ({@code FinalNet}) built from them. See docs/engine-measurements.md for why.
 */
package io.s3nas.nn.engine;
