package io.s3nas.platform;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.AnalyticalLatencyModel;
import io.s3nas.latency.HardwarePlatform;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyTable;
import io.s3nas.latency.TableLatencyModel;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.Nd4jBackend;
import io.s3nas.latency.measured.OnnxRuntimeBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The hardware platforms of a configuration directory ({@code conf/hardware/*.conf}), chosen by
 * name. Each file is validated when it is loaded: unknown keys, wrong types and missing settings
 * are reported with the file and key.
 */
public final class HardwareRegistry {
  private static final Set<String> COMMON = Set.of("kind", "description");
  private static final Map<HardwarePlatform.Kind, Set<String>> KEYS = Map.of(
      HardwarePlatform.Kind.TABLE, Set.of("table", "format", "parse-key", "unit-divisor", "missing", "vector-width", "analytical"),
      HardwarePlatform.Kind.ANALYTICAL, Set.of("analytical"),
      HardwarePlatform.Kind.ND4J, Set.of("threads", "batch", "warmup", "rounds", "runs-per-round", "quantile", "warmup-ms", "cache-dir", "network-overhead"),
      HardwarePlatform.Kind.ONNXRUNTIME, Set.of("threads", "batch", "warmup", "rounds", "runs-per-round", "quantile", "warmup-ms", "cache-dir", "network-overhead"));

  private final Path dir;
  private final Map<String, HardwarePlatform> platforms;
  /** Files that did not parse, by platform name: asking for one reports its error, the others work. */
  private final Map<String, InvalidInputException> broken;

  private HardwareRegistry(Path dir, Map<String, HardwarePlatform> platforms, Map<String, InvalidInputException> broken) {
    this.dir = dir;
    this.platforms = platforms;
    this.broken = broken;
  }

  /** Loads every {@code *.conf} of {@code hardwareDir}. */
  public static HardwareRegistry load(Path hardwareDir) {
    if (!Files.isDirectory(hardwareDir)) {
      throw new InvalidInputException(hardwareDir.toString(), null,
          "hardware configuration folder not found (expected conf/hardware/*.conf; set --conf-dir)");
    }
    Map<String, HardwarePlatform> map = new TreeMap<>();
    Map<String, InvalidInputException> bad = new TreeMap<>();
    try (Stream<Path> s = Files.list(hardwareDir)) {
      for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".conf")).sorted().toList()) {
        try {
          HardwarePlatform p = parse(f);
          map.put(p.name(), p);
        } catch (InvalidInputException e) {
          bad.put(f.getFileName().toString().replaceFirst("\\.conf$", ""), e);
        }
      }
    } catch (IOException e) {
      throw new InvalidInputException(hardwareDir.toString(), null, "cannot list: " + e.getMessage());
    }
    return new HardwareRegistry(hardwareDir, map, bad);
  }

  static HardwarePlatform parse(Path file) {
    String name = file.getFileName().toString().replaceFirst("\\.conf$", "");
    Config c;
    try {
      c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
          .setAllowMissing(false)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), null, "not valid HOCON: " + e.getMessage());
    }
    if (!c.hasPath("kind")) {
      throw new InvalidInputException(file.toString(), "kind", "missing; expected one of table, analytical, nd4j, onnxruntime");
    }
    HardwarePlatform.Kind kind;
    try {
      kind = HardwarePlatform.Kind.valueOf(c.getString("kind").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | ConfigException e) {
      throw new InvalidInputException(file.toString(), "kind", "expected one of table, analytical, nd4j, onnxruntime, got '"
          + c.getValue("kind").unwrapped() + "'");
    }
    for (String key : c.root().keySet()) {
      if (!COMMON.contains(key) && !KEYS.get(kind).contains(key)) {
        throw new InvalidInputException(file.toString(), key, "unknown key for kind " + kind.name().toLowerCase(Locale.ROOT)
            + "; expected one of " + new java.util.TreeSet<>(KEYS.get(kind)));
      }
    }
    String description = c.hasPath("description") ? c.getString("description") : name;
    return new HardwarePlatform(name, kind, description, c, file);
  }

  public Path dir() {
    return dir;
  }

  public Set<String> names() {
    return platforms.keySet();
  }

  public HardwarePlatform platform(String name) {
    HardwarePlatform p = platforms.get(name);
    if (p == null && broken.containsKey(name)) {
      throw broken.get(name);
    }
    if (p == null) {
      throw new InvalidInputException("--hardware", null, "unknown hardware platform '" + name
          + "'; known: " + String.join(", ", platforms.keySet()) + " (conf files in " + dir + ")");
    }
    return p;
  }

  /** The latency model of platform {@code name}. */
  public LatencyModel model(String name) {
    HardwarePlatform p = platform(name);
    Config c = p.settings();
    String src = p.file().toString();
    try {
      return switch (p.kind()) {
        case TABLE -> tableModel(p, c, src);
        case ANALYTICAL -> analytical(p.name(), c.getConfig("analytical"), src + ": analytical");
        case ND4J -> MeasuredLatencyModel.fromConfig(p, new Nd4jBackend());
        case ONNXRUNTIME -> MeasuredLatencyModel.fromConfig(p, new OnnxRuntimeBackend());
      };
    } catch (ConfigException.Missing e) {
      throw new InvalidInputException(src, e.getMessage().replaceAll(".*No configuration setting found for key '([^']*)'.*", "$1"),
          "missing required setting");
    } catch (ConfigException.WrongType e) {
      throw new InvalidInputException(src, null, "wrong type: " + e.getMessage());
    }
  }

  private TableLatencyModel tableModel(HardwarePlatform p, Config c, String src) {
    String tableRef = c.getString("table");
    String format = c.hasPath("format") ? c.getString("format") : "csv";
    LatencyTable table;
    if (tableRef.startsWith("classpath:")) {
      table = LatencyTable.readResource(tableRef.substring("classpath:".length()));
    } else {
      Path path = p.file().getParent().resolve(expandHome(tableRef)).normalize();
      table = switch (format) {
        case "csv" -> LatencyTable.readCsv(path);
        case "s3nas-folder" -> LatencyTable.readFolder(path, c.hasPath("parse-key") ? c.getString("parse-key") : "latency");
        default -> throw new InvalidInputException(src, "format", "expected csv or s3nas-folder, got '" + format + "'");
      };
    }
    double divisor = c.hasPath("unit-divisor") ? c.getDouble("unit-divisor") : 1.0;
    if (!(divisor > 0)) {
      throw new InvalidInputException(src, "unit-divisor", "expected a positive number (raw units per ms)");
    }
    String missing = c.hasPath("missing") ? c.getString("missing") : "predict";
    if (!Set.of("predict", "analytical", "error").contains(missing)) {
      throw new InvalidInputException(src, "missing", "expected predict, analytical or error, got '" + missing + "'");
    }
    int width = c.hasPath("vector-width") ? c.getInt("vector-width") : 1;
    if (width < 1) {
      throw new InvalidInputException(src, "vector-width", "expected a positive integer");
    }
    AnalyticalLatencyModel an = c.hasPath("analytical") ? analytical(p.name(), c.getConfig("analytical"), src + ": analytical") : null;
    if (missing.equals("analytical") && an == null) {
      throw new InvalidInputException(src, "analytical", "missing = analytical needs an analytical { ... } section");
    }
    return new TableLatencyModel(p.name(), table, divisor, missing.equals("predict"), width,
        missing.equals("error") ? null : an);
  }

  static AnalyticalLatencyModel analytical(String name, Config a, String src) {
    for (String key : a.root().keySet()) {
      if (!Set.of("peak-gmacs", "bandwidth-gbs", "layer-overhead-us", "bytes-per-element").contains(key)) {
        throw new InvalidInputException(src, key, "unknown key; expected peak-gmacs, bandwidth-gbs, layer-overhead-us, bytes-per-element");
      }
    }
    try {
      return new AnalyticalLatencyModel(name, a.getDouble("peak-gmacs"), a.getDouble("bandwidth-gbs"),
          a.hasPath("layer-overhead-us") ? a.getDouble("layer-overhead-us") : 0,
          a.hasPath("bytes-per-element") ? a.getInt("bytes-per-element") : 4);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(src, null, e.getMessage());
    }
  }

  static String expandHome(String path) {
    return path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
  }
}
