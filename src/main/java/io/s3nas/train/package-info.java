/** Final training of derived networks (docs/method.md §6.3), evaluation and the saved-model file. */
package io.s3nas.train;
