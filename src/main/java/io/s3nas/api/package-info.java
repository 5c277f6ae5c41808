/**
 * HTTP for people and monitors (docs/design.md, {@code api}): the searches of a journal as JSON, each
 * search's events as a server-sent event stream (history first, then live, read through
 * Persistence Query like {@code s3nas watch}), control requests (cancel, pause, resume), Prometheus
 * metrics and a dashboard page built on those. Serves any process's searches: it only reads the
 * journal and writes control requests, which the process running a search follows.
 */
package io.s3nas.api;
