/**
 * Datasets: Fashion-MNIST and MNIST (IDX), CIFAR-10 (binary batches), image folders (DataVec);
 * seeded stratified hold-out, normalisation, light augmentation, and a batch stream whose every
 * batch is a pure function of (seed, epoch, step).
 */
package io.s3nas.data;
