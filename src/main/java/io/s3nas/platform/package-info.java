/**
 * The hardware platforms of a configuration folder ({@code conf/hardware/*.conf}) built into latency
 * models: tables, the analytical model, and the platforms this machine measures. It sits above
 * {@code latency} and {@code latency.measured}, so neither depends on the other's construction.
 */
package io.s3nas.platform;
