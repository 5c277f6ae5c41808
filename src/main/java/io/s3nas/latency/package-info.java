/**
 * Latency models per hardware platform (docs/method.md §5.1, §10): lookup tables with a predictor for
 * unseen shapes, analytical estimates, measured platforms ({@code measured/}), the one code path that
 * sums a network ({@code NetworkLatency}) and validation against whole-network measurements.
 */
package io.s3nas.latency;
