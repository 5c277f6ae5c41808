/** Benchmark harnesses run by {@code scripts/bench-*}; never by the tests. */
package io.s3nas.bench;
