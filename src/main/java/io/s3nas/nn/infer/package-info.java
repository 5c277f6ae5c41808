/**
 * Inference-only ND4J networks built from architectures: used by the CPU latency profiler to time
 * blocks and whole networks. The training engine (supernet, superkernels) comes with the search.
 */
package io.s3nas.nn.infer;
