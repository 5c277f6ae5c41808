/**
 * The S3NAS search space: block strings, the model JSON, supernets as search spaces (branches,
 * outcomes, skippability), concrete architectures, shape inference and parameter/MAC counts.
 * Depends on nothing else of ours.
 */
package io.s3nas.space;
