package io.s3nas.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.MeasurementPolicy;
import io.s3nas.stages.PhaseLength;
import io.s3nas.stages.PipelineSettings;
import io.s3nas.stages.PostprocessChanges;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoublePredicate;

/**
 * Reads a search config ({@code conf/searches/*.conf}, HOCON) into a {@link SearchSpec}, strictly:
 * an unknown key, a wrong type, a missing required key or an out-of-range value is one message
 * naming the file and the key, before anything is persisted. Every key and its default is listed in
 * docs/cli.md ("Search config keys").
 */
public final class SearchSpecs {
  /** Every key with its default (null: required or one of a pair). */
  private static final Map<String, Object> KEYS = new TreeMap<>();

  static {
    PipelineSettings d = PipelineSettings.defaults();
    KEYS.put("supernet", null);
    KEYS.put("hardware", null);
    KEYS.put("budget-ms", null);
    KEYS.put("budget-fraction", null);
    KEYS.put("search-target-ms", null);
    KEYS.put("search-target-fraction", null);
    KEYS.put("dataset", "fashion-mnist");
    KEYS.put("data", "");
    KEYS.put("warmup-epochs", PhaseLength.AUTO);
    KEYS.put("search-epochs", PhaseLength.AUTO);
    KEYS.put("final-epochs", PhaseLength.AUTO);
    KEYS.put("batch", 128L);
    KEYS.put("train-limit", 0L);
    KEYS.put("seed", 1L);
    KEYS.put("threads", (long) d.threads());
    KEYS.put("validation-share", d.validationShare());
    KEYS.put("search-learning-rate", d.searchLearningRate());
    KEYS.put("threshold-lr-scale", d.thresholdLrScale());
    KEYS.put("search-start-margin", d.searchStartMargin());
    KEYS.put("derive-within-target", d.deriveWithinTarget());
    KEYS.put("latency-lambda", d.latencyLambda());
    KEYS.put("latency-multiplier", d.latencyMultiplier());
    KEYS.put("final-learning-rate", d.finalLearningRate());
    KEYS.put("final-dropout", d.finalDropout());
    KEYS.put("final-drop-connect", d.finalDropConnect());
    KEYS.put("budget-margin", d.budgetMargin());
    KEYS.put("calibration-networks", (long) d.calibrationNetworks());
    KEYS.put("calibration-held-out", (long) d.calibrationHeldOut());
    KEYS.put("scaling-stage-extra", (long) d.scalingStageExtra());
    KEYS.put("scaling-max-macs", d.scalingMaxMacs());
    KEYS.put("postprocess-changes", d.postprocessChanges());
    KEYS.put("se-ratio", d.seRatio());
    KEYS.put("probe-images", (long) d.probeImages());
    KEYS.put("probe-base-share", d.probeBaseShare());
    KEYS.put("probe-arm-share", d.probeArmShare());
    KEYS.put("probe-min-top1", d.probeMinTop1());
    KEYS.put("min-gain-points", d.minGainPoints());
    KEYS.put("points-per-percent", d.pointsPerPercent());
    KEYS.put("rmse-relative", d.rmseRelative());
    KEYS.put("onnx-tolerance", d.onnxTolerance());
    KEYS.put("checkpoint-keep", (long) d.checkpointKeep());
    KEYS.put("latency-measurement", d.measurement().mode().name().toLowerCase(java.util.Locale.ROOT));
    KEYS.put("gate-allowance", d.measurement().allowance());
    KEYS.put("gate-final-check", d.measurement().gateFinalCheck());
    KEYS.put("max-cpu-hours", CostLimits.defaults().maxCpuHours());
    KEYS.put("cost-record-seconds", CostLimits.defaults().recordSeconds());
  }

  private SearchSpecs() {}

  /** The keys a search config may hold. */
  public static java.util.Set<String> keys() {
    return KEYS.keySet();
  }

  /** Search ids name files and folders: a letter or digit first, then letters, digits, '.', '_', '-'. */
  public static void checkId(String searchId, String source) {
    if (!searchId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
      throw new InvalidInputException(source, null, "a letter or digit, then up to 99 letters, digits, '.', '_' or "
          + "'-' (it names folders), got '" + searchId + "'");
    }
  }

  public static SearchSpec read(Path file) {
    String src = file.toString();
    Config c;
    try {
      c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
          .setAllowMissing(false)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(src, null, "a readable HOCON search config: " + e.getMessage());
    }
    return parse(c, src);
  }

  /** A search config given as text ({@code source} names it in messages: a request, not a file). */
  public static SearchSpec parse(String text, String source) {
    Config c;
    try {
      c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(source, null, "a HOCON search config: " + e.getMessage());
    }
    return parse(c, source);
  }

  private static SearchSpec parse(Config c, String src) {
    for (String key : c.root().keySet()) {
      if (!KEYS.containsKey(key)) {
        throw new InvalidInputException(src, key, "unknown key; expected one of " + KEYS.keySet());
      }
    }
    for (String key : List.of("supernet", "hardware")) {
      if (!c.hasPath(key)) {
        throw new InvalidInputException(src, key, "missing required key");
      }
    }
    Reader r = new Reader(c, src);
    if (c.hasPath("budget-ms") == c.hasPath("budget-fraction")) {
      throw new InvalidInputException(src, "budget-ms", (c.hasPath("budget-ms") ? "not both budget-ms and "
          + "budget-fraction" : "missing required key") + ": the budget in ms, or budget-fraction (its position "
          + "between the supernet's fastest (0) and slowest (1) architecture on the platform)");
    }
    if (c.hasPath("search-target-ms") && c.hasPath("search-target-fraction")) {
      throw new InvalidInputException(src, "search-target-ms", "not both search-target-ms and search-target-fraction");
    }
    double budgetMs = r.num("budget-ms", 0, x -> x > 0, "a positive latency in ms");
    double budgetFraction = r.num("budget-fraction", 0, x -> x > 0 && x <= 10,
        "a position in the supernet's latency range: above 0 (its fastest architecture), 1 its slowest, at most 10");
    double targetMs = r.num("search-target-ms", 0, x -> x > 0, "a positive latency in ms");
    double targetFraction = r.num("search-target-fraction", 0, x -> x > 0 && x <= 10,
        "a position in the supernet's latency range above 0 (its fastest architecture), at most 10");
    if (budgetMs > 0 && targetMs > budgetMs) {
      throw new InvalidInputException(src, "search-target-ms", "a positive target no larger than budget-ms ("
          + budgetMs + ")");
    }
    if (budgetFraction > 0 && targetFraction > budgetFraction) {
      throw new InvalidInputException(src, "search-target-fraction", "a position no higher than budget-fraction ("
          + budgetFraction + ")");
    }
    List<String> changes;
    try {
      changes = c.hasPath("postprocess-changes") ? c.getStringList("postprocess-changes")
          : PipelineSettings.defaults().postprocessChanges();
    } catch (ConfigException.WrongType e) {
      throw new InvalidInputException(src, "postprocess-changes", "a list of changes, e.g. [se-last, hswish]");
    }
    for (String ch : changes) {
      if (!PostprocessChanges.valid(ch)) {
        throw new InvalidInputException(src, "postprocess-changes", "changes among " + PostprocessChanges.FORMS
            + ", got '" + ch + "'");
      }
    }
    PipelineSettings settings = new PipelineSettings(
        (int) r.integer("threads", 1, 1024),
        r.num("validation-share", x -> x >= 0 && x < 0.9, "a share in [0, 0.9)"),
        r.num("search-learning-rate", x -> x >= 0 && x < 10, "0 (the paper's) or a positive step size below 10"),
        r.num("threshold-lr-scale", x -> x > 0 && x <= 1000, "a positive factor at most 1000"),
        r.num("search-start-margin", x -> x >= 0 && x <= 100, "0 (off) or a margin up to 100"),
        r.bool("derive-within-target"),
        r.num("latency-lambda", x -> x >= 0 && x <= 1e6, "a non-negative weight"),
        r.num("latency-multiplier", x -> x > 0 && x <= 1e6, "a positive multiplier"),
        r.num("final-learning-rate", x -> x >= 0 && x < 10, "0 (the paper's) or a positive step size below 10"),
        r.num("final-dropout", x -> x >= 0 && x < 1, "a rate in [0, 1)"),
        r.num("final-drop-connect", x -> x >= 0 && x < 1, "a rate in [0, 1)"),
        r.num("budget-margin", x -> x >= 0 && x < 0.5, "a share of the budget in [0, 0.5)"),
        (int) r.integer("calibration-networks", 3, 1000),
        (int) r.integer("calibration-held-out", 1, 1000),
        (int) r.integer("scaling-stage-extra", 0, 4),
        r.num("scaling-max-macs", x -> x == 0 || x >= 1 && x <= 1000, "0 (no limit) or a factor from 1 to 1000"),
        changes,
        r.num("se-ratio", x -> x > 0 && x <= 1, "a ratio in (0, 1]"),
        (int) r.integer("probe-images", 10, 10_000_000),
        r.num("probe-base-share", x -> x > 0 && x < 1, "a share of the final steps in (0, 1)"),
        r.num("probe-arm-share", x -> x > 0 && x < 1, "a share of the final steps in (0, 1)"),
        r.num("probe-min-top1", x -> x >= 0 && x <= 1, "0 (halfway from chance) or a top-1 in (0, 1]"),
        r.num("min-gain-points", x -> x >= 0 && x <= 100, "points in [0, 100]"),
        r.num("points-per-percent", x -> x >= 0 && x <= 100, "points per percent in [0, 100]"),
        r.num("rmse-relative", x -> x >= 0 && x <= 1, "a share in [0, 1]"),
        r.num("onnx-tolerance", x -> x > 0 && x < 1, "a positive tolerance below 1"),
        (int) r.integer("checkpoint-keep", 1, 1000),
        new MeasurementPolicy(r.measurementMode(), r.num("gate-allowance", x -> x >= 0 && x < 1,
            "a relative error in [0, 1)"), r.bool("gate-final-check")));
    return new SearchSpec(c.getString("supernet"), r.str("dataset"), emptyToNull(r.str("data")),
        c.getString("hardware"), budgetMs, targetMs,
        r.epochs("warmup-epochs", x -> x >= 0 && x <= 1e5, "auto or epochs in [0, 100000]"),
        r.epochs("search-epochs", x -> x >= 0 && x <= 1e5, "auto or epochs in [0, 100000]"),
        r.epochs("final-epochs", x -> x > 0 && x <= 1e5, "auto or epochs in (0, 100000]"),
        (int) r.integer("batch", 1, 1 << 16),
        (int) r.integer("train-limit", 0, Integer.MAX_VALUE),
        r.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE), budgetFraction, targetFraction, settings, null,
        new CostLimits(r.num("max-cpu-hours", x -> x >= 0 && x <= 1e6, "0 (no limit) or CPU hours up to 1000000"),
            r.num("cost-record-seconds", x -> x >= 1 && x <= 86400, "seconds from 1 to 86400")));
  }

  /** Typed reads with the file and key in every complaint. */
  private record Reader(Config c, String src) {
    String str(String key) {
      try {
        return c.hasPath(key) ? c.getString(key) : (String) KEYS.get(key);
      } catch (ConfigException.WrongType e) {
        throw new InvalidInputException(src, key, "a string");
      }
    }

    double num(String key, DoublePredicate ok, String expectation) {
      return num(key, ((Number) KEYS.get(key)).doubleValue(), ok, expectation);
    }

    /** A finite number (HOCON's "Infinity" and "NaN" strings are refused). */
    double num(String key, double dflt, DoublePredicate ok, String expectation) {
      if (!c.hasPath(key)) {
        return dflt;
      }
      double v;
      try {
        v = c.getDouble(key);
      } catch (ConfigException.WrongType e) {
        throw new InvalidInputException(src, key, "a number: " + expectation);
      }
      if (!Double.isFinite(v) || !ok.test(v)) {
        throw new InvalidInputException(src, key, expectation + ", got " + c.getValue(key).unwrapped());
      }
      return v;
    }

    /** A number of epochs, or {@code auto} ({@link PhaseLength#AUTO}: a length from the data's size). */
    double epochs(String key, DoublePredicate ok, String expectation) {
      if (c.hasPath(key) && "auto".equals(c.getValue(key).unwrapped())) {
        return PhaseLength.AUTO;
      }
      return num(key, ok, expectation);
    }

    MeasurementPolicy.Mode measurementMode() {
      String v = str("latency-measurement");
      try {
        return MeasurementPolicy.mode(v);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(src, "latency-measurement", "all or gated, got '" + v + "'");
      }
    }

    boolean bool(String key) {
      if (!c.hasPath(key)) {
        return (Boolean) KEYS.get(key);
      }
      try {
        return c.getBoolean(key);
      } catch (ConfigException.WrongType e) {
        throw new InvalidInputException(src, key, "true or false");
      }
    }

    /** A whole number in [lo, hi] (no silent narrowing: 4294967297 is not a batch of 1). */
    long integer(String key, long lo, long hi) {
      if (!c.hasPath(key)) {
        return ((Number) KEYS.get(key)).longValue();
      }
      Object raw = c.getValue(key).unwrapped();
      if (!(raw instanceof Integer || raw instanceof Long)) {
        throw new InvalidInputException(src, key, "a whole number from " + lo + " to " + hi + ", got " + raw);
      }
      long v = ((Number) raw).longValue();
      if (v < lo || v > hi) {
        throw new InvalidInputException(src, key, "a whole number from " + lo + " to " + hi + ", got " + v);
      }
      return v;
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
