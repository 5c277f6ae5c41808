/** The picocli command line ({@code scripts/s3nas}): one command class per verb; exit 2 for bad input. */
package io.s3nas.cli;
