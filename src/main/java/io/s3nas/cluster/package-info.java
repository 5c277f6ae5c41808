/**
 * A cluster node (docs/cluster.md): its settings, checked before anything starts, and the member it
 * runs (Pekko Cluster on Artery TCP, Management health checks, Bootstrap from a static list, the
 * Split Brain Resolver). Engine packages never import this one.
 */
package io.s3nas.cluster;
