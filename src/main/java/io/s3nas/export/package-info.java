/** ONNX export of final networks over nd4j-api's bundled ONNX protobuf classes, and its ONNX Runtime verification. */
package io.s3nas.export;
