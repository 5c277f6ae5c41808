/** Compound scaling (docs/method.md §8) and the sweep for the largest network within a latency budget. */
package io.s3nas.scaling;
