/**
 * The single-path search maths on weight-sized tensors: indicators with the straight-through
 * estimator, superkernels with nested kernel and channel splits per MixConv branch, equal-probability
 * indicator dropout, outcome probabilities, the latency-aware loss, derivation of the architecture.
 */
package io.s3nas.search;
