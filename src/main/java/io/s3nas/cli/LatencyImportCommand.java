package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.LatencyPredictor;
import io.s3nas.latency.LatencyTable;
import io.s3nas.latency.TableLatencyModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas latency import --from PATH --format s3nas-folder|csv --out FILE [--name NAME]}. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Import a latency table measured elsewhere (S3NAS folder or CSV) and optionally register it as a platform.")
public final class LatencyImportCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--from", required = true, paramLabel = "PATH") Path from;
  @Option(names = "--format", required = true, description = "s3nas-folder or csv") String format;
  @Option(names = "--parse-key", defaultValue = "latency",
      description = "JSON key of S3NAS files (default ${DEFAULT-VALUE})")
  String parseKey;
  @Option(names = "--out", required = true, paramLabel = "FILE.csv") Path outFile;
  @Option(names = "--name", description = "Also write conf/hardware/<name>.conf for this table") String name;
  @Option(names = "--force", description = "Replace an existing conf/hardware/<name>.conf") boolean force;
  @Option(names = "--unit-divisor", defaultValue = "1",
      description = "Raw units per ms (1e6 for cycles at 1 GHz)")
  double divisor;
  @Option(names = "--vector-width", defaultValue = "1",
      description = "Device vector width for the predictor (64 for MIDAP)")
  int width;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    LatencyTable table = switch (format) {
      case "s3nas-folder" -> LatencyTable.readFolder(from, parseKey);
      case "csv" -> LatencyTable.readCsv(from);
      default -> throw new InvalidInputException("--format", null, "expected s3nas-folder or csv, got '" + format + "'");
    };
    if (!(divisor > 0) || width < 1) {
      throw new InvalidInputException("--unit-divisor/--vector-width", null, "expected a positive divisor and width");
    }
    if (name != null && !name.matches("[a-z0-9][a-z0-9._-]*")) {
      throw new InvalidInputException("--name", null, "expected a lower-case platform name like my-npu, got '" + name + "'");
    }
    Path conf = name == null ? null : common.confDir().resolve("hardware").resolve(name + ".conf");
    if (conf != null && Files.exists(conf) && !force) {
      // e.g. --name midap would silently replace the shipped platform
      throw new InvalidInputException("--name", null, "a platform name not taken: " + conf + " exists (--force "
          + "replaces it)");
    }
    Path parent = outFile.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    java.io.StringWriter csv = new java.io.StringWriter();
    table.writeCsv(csv, "imported from " + from + " (" + format + ")");
    io.s3nas.common.AtomicFiles.writeString(outFile, csv.toString());
    if (conf != null) {
      io.s3nas.common.AtomicFiles.writeString(conf, "# imported by s3nas latency import from " + from + "\n"
          + "kind = table\n"
          + "description = \"" + name + " (imported table)\"\n"
          + "table = \"" + outFile.toAbsolutePath() + "\"\n"
          + "format = csv\n"
          + "unit-divisor = " + divisor + "\n"
          + "vector-width = " + width + "\n"
          + "missing = predict\n");
    }
    LatencyPredictor.Accuracy acc = null;
    TableLatencyModel model = new TableLatencyModel(name == null ? "imported" : name, table, divisor, true, width, null);
    List<LatencyPredictor.Sample> samples = model.samples();
    if (samples.size() >= 50) {
      acc = LatencyPredictor.crossValidate(samples, width, 10, 1);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("entries", table.size());
      o.put("skipped_files", table.skipped());
      o.put("out", outFile.toString());
      o.put("conf", conf == null ? null : conf.toString());
      if (acc != null) {
        o.put("predictor_within_10pct", acc.within10());
        o.put("predictor_within_5pct", acc.within5());
      }
      out.println(Json.of(o));
    } else {
      out.printf("imported %d entries from %s into %s%n", table.size(), from, outFile);
      table.skipped().forEach(s -> out.println("skipped (not an <key>_imgsize<H> file): " + s));
      if (conf != null) {
        out.println("registered platform '" + name + "': " + conf);
      }
      if (acc != null) {
        out.printf("predictor for missing shapes, 10-fold: %.1f%% within ±10%%, %.1f%% within ±5%%%n",
            100 * acc.within10(), 100 * acc.within5());
      }
    }
    return 0;
  }
}
