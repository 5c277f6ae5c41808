/** The run report of a search ({@code report.html}) and its charts. */
package io.s3nas.report;
