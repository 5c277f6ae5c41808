package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.common.OutOfMemoryAdvice;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Entry point: runs the picocli command tree and maps failures to exit codes (2: bad input). */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    PrintWriter err = new PrintWriter(System.err, true);
    try {
      System.exit(run(args, new PrintWriter(System.out, true), err));
    } catch (OutOfMemoryError oom) {
      err.println("error: " + OutOfMemoryAdvice.message(oom, Runtime.getRuntime().maxMemory()));
      System.exit(1);
    }
  }

  /** Runs the CLI with the given streams; returns the exit code (tests call this directly). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new S3nasCommand());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      Throwable root = ex;
      while (!(root instanceof InvalidInputException) && root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      if (root instanceof InvalidInputException bad) {
        err.println("error: " + bad.getMessage());
        return 2;
      }
      LOG.debug("command failed", ex);
      err.println("error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
      err.println("(run with -v for details)");
      return 1;
    });
    return cl.execute(args);
  }
}
