package io.s3nas.cli;

import ch.qos.logback.classic.Level;
import io.s3nas.common.InvalidInputException;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** Options every command shares: where the configuration lives, verbosity. */
public final class CommonOptions {
  @Option(names = "--conf-dir", description = "Configuration folder (hardware/, supernets/); default: $S3NAS_HOME/conf or ./conf")
  Path confDir;

  @Option(names = {"-v", "--verbose"}, description = "Log progress details")
  void setVerbose(boolean v) {
    if (v) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.s3nas")).setLevel(Level.DEBUG);
    }
  }

  Path confDir() {
    if (confDir != null) {
      return confDir;
    }
    String home = System.getProperty("s3nas.home", System.getenv("S3NAS_HOME"));
    return home != null ? Path.of(home, "conf") : Path.of("conf");
  }

  HardwareRegistry hardware() {
    return HardwareRegistry.load(confDir().resolve("hardware"));
  }

  /** A supernet or model JSON: a file path, or a name from {@code conf/supernets/}. */
  ModelSpec model(String ref, String flag) {
    Path p = Path.of(ref);
    if (Files.isRegularFile(p)) {
      return ModelJson.read(p);
    }
    Path named = confDir().resolve("supernets").resolve(ref.endsWith(".json") ? ref : ref + ".json");
    if (Files.isRegularFile(named)) {
      return ModelJson.read(named);
    }
    String known;
    try (Stream<Path> s = Files.list(confDir().resolve("supernets"))) {
      known = String.join(", ", s.map(x -> x.getFileName().toString().replaceFirst("\\.json$", "")).sorted().toList());
    } catch (Exception e) {
      known = "(none: " + confDir().resolve("supernets") + " not readable)";
    }
    throw new InvalidInputException(flag, null, "'" + ref + "' is neither a file nor a supernet in "
        + confDir().resolve("supernets") + "; known: " + known);
  }
}
