package io.s3nas.common;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a failure is a full disk (or a file-size or quota limit): a state of the machine, not of
 * the search. Retrying cannot help until someone frees space, and failing the search would throw
 * away work that is safely on disk; so a stage that meets it suspends the search instead
 * (docs/reliability.md).
 */
public final class OutOfSpace {
  private static final String[] SIGNS = {"no space left on device", "file too large", "disk quota exceeded",
      "not enough space"};

  private OutOfSpace() {}

  /** The operating system's words for it, from the failure or any of its causes; empty if it is something else. */
  public static Optional<String> reason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (m == null) {
        continue;
      }
      String lower = m.toLowerCase(Locale.ROOT);
      for (String sign : SIGNS) {
        if (lower.contains(sign) && (t instanceof IOException || lower.contains("ioexception"))) {
          return Optional.of(m);
        }
      }
    }
    return Optional.empty();
  }
}
