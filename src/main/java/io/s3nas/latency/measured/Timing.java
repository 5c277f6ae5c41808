package io.s3nas.latency.measured;

/**
 * Summary of repeated timings in milliseconds: {@code ms} is the statistic a table stores (a low
 * quantile, see {@link PassTimer}); median and the 10th/90th percentiles show the spread.
 */
public record Timing(double ms, double medianMs, double p10Ms, double p90Ms, int runs) {}
