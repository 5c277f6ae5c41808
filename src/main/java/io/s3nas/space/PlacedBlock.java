package io.s3nas.space;

/** A repeat-1 block at its place in a network, with the spatial size of its input and output. */
public record PlacedBlock(int index, int stage, int indexInStage, BlockArgs args, int inputSize, int outputSize) {}
