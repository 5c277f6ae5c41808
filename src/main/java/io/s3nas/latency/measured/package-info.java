/** Latency measured on this machine through a runtime backend (ND4J, ONNX Runtime): interleaved timing, per-machine cached tables, calibration. */
package io.s3nas.latency.measured;
