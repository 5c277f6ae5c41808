package io.s3nas.stages;

import io.s3nas.postprocess.Change;
import io.s3nas.space.Architecture;
import java.util.ArrayList;
import java.util.List;

/**
 * The names of post-processing changes in search configs and on the command line (docs/method.md
 * §9): {@code se-last} (SE on every block of the last stage), {@code se-all} (SE on every block),
 * {@code se:<stage>} (1-based stage), {@code hswish} (h-swish everywhere), {@code hswish:<stage>}.
 */
public final class PostprocessChanges {
  /** The accepted forms, for messages. */
  public static final String FORMS = "se-last, se-all, se:<stage>, hswish, hswish:<stage>";

  private PostprocessChanges() {}

  /** Whether {@code name} is one of the forms (a stage number is checked against a network later). */
  public static boolean valid(String name) {
    return name.equals("se-last") || name.equals("se-all") || name.equals("hswish")
        || name.matches("(se|hswish):[1-9][0-9]?");
  }

  /** The changes named, for {@code a}; a stage beyond its last is an error naming the change. */
  public static List<Change> of(List<String> names, Architecture a, double seRatio) {
    int stages = a.spec().stages().size();
    List<Change> out = new ArrayList<>();
    for (String n : names) {
      if (!valid(n)) {
        throw new IllegalArgumentException("unknown post-processing change '" + n + "'; expected " + FORMS);
      }
      if (n.equals("se-last")) {
        out.add(Change.se(stages - 1, seRatio));
      } else if (n.equals("se-all")) {
        out.add(Change.se(-1, seRatio));
      } else if (n.equals("hswish")) {
        out.add(Change.hswishGlobal());
      } else {
        int stage = Integer.parseInt(n.substring(n.indexOf(':') + 1)) - 1;
        if (stage >= stages) {
          throw new IllegalArgumentException("change '" + n + "': the network has " + stages + " stages");
        }
        out.add(n.startsWith("se") ? Change.se(stage, seRatio) : Change.hswish(stage));
      }
    }
    return out;
  }
}
