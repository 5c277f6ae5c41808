/** Post-processing (docs/method.md §9): SE and h-swish changes priced on the platform and probed for accuracy, the decision rule, rmSE. */
package io.s3nas.postprocess;
