/** Content-addressed, fsynced checkpoints of long runs (search, final training) and the identity check that makes a resume continue only its own run. */
package io.s3nas.checkpoint;
