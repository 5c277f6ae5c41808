/** Pekko Typed orchestration (docs/design.md "Actors"): the event-sourced {@code SearchSupervisor} per search and its protocol; engine packages never import this one. */
package io.s3nas.actors;
