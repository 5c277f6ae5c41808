package io.s3nas.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.s3nas.common.InvalidInputException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a search config ({@code conf/searches/*.conf}, HOCON) into a {@link SearchSpec}, strictly:
 * an unknown key, a wrong type, a missing required key or an out-of-range value is one message
 * naming the file and the key, before anything is persisted.
 */
public final class SearchSpecs {
  /** Every key with its default (null: required). */
  private static final Map<String, Object> KEYS = new TreeMap<>();

  static {
    KEYS.put("supernet", null);
    KEYS.put("hardware", null);
    KEYS.put("budget-ms", null);
    KEYS.put("dataset", "fashion-mnist");
    KEYS.put("data", "");
    KEYS.put("search-target-ms", 0.0);
    KEYS.put("warmup-epochs", 8.0);
    KEYS.put("search-epochs", 2.0);
    KEYS.put("final-epochs", 20.0);
    KEYS.put("batch", 128);
    KEYS.put("train-limit", 0);
    KEYS.put("seed", 1L);
  }

  private SearchSpecs() {}

  public static SearchSpec read(Path file) {
    String src = file.toString();
    Config c;
    try {
      c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
          .setAllowMissing(false)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(src, null, "a readable HOCON search config: " + e.getMessage());
    }
    for (String key : c.root().keySet()) {
      if (!KEYS.containsKey(key)) {
        throw new InvalidInputException(src, key, "unknown key; expected one of " + KEYS.keySet());
      }
    }
    for (Map.Entry<String, Object> k : KEYS.entrySet()) {
      if (k.getValue() == null && !c.hasPath(k.getKey())) {
        throw new InvalidInputException(src, k.getKey(), "missing required key");
      }
    }
    try {
      double budget = c.getDouble("budget-ms");
      double target = c.hasPath("search-target-ms") ? c.getDouble("search-target-ms") : budget;
      SearchSpec s = new SearchSpec(c.getString("supernet"), str(c, "dataset"), emptyToNull(str(c, "data")),
          c.getString("hardware"), budget, target, num(c, "warmup-epochs"), num(c, "search-epochs"),
          num(c, "final-epochs"), (int) integer(c, "batch"), (int) integer(c, "train-limit"), integer(c, "seed"));
      check(src, "budget-ms", budget > 0, "a positive latency in ms");
      check(src, "search-target-ms", target > 0 && target <= budget, "a positive target no larger than budget-ms ("
          + budget + ")");
      check(src, "warmup-epochs", s.warmupEpochs() >= 0, "epochs >= 0");
      check(src, "search-epochs", s.searchEpochs() >= 0, "epochs >= 0");
      check(src, "final-epochs", s.finalEpochs() > 0, "epochs > 0");
      check(src, "batch", s.batch() >= 1, "a batch of at least 1");
      check(src, "train-limit", s.trainLimit() >= 0, "0 (all) or a positive number of images");
      return s;
    } catch (ConfigException.WrongType e) {
      String key = e.getMessage().replaceAll(".*?: ([\\w-]+) has type.*", "$1");
      throw new InvalidInputException(src, key, "a value of the right type: " + e.getMessage());
    }
  }

  private static String str(Config c, String key) {
    return c.hasPath(key) ? c.getString(key) : (String) KEYS.get(key);
  }

  private static double num(Config c, String key) {
    return c.hasPath(key) ? c.getDouble(key) : (double) KEYS.get(key);
  }

  private static long integer(Config c, String key) {
    return c.hasPath(key) ? c.getLong(key) : ((Number) KEYS.get(key)).longValue();
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static void check(String src, String key, boolean ok, String expectation) {
    if (!ok) {
      throw new InvalidInputException(src, key, expectation);
    }
  }
}
