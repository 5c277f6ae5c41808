package io.s3nas;

import io.s3nas.latency.LatencyTable;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shipped supernets and the MIDAP table, as the tests see them. */
public final class TestData {
  public static final Path SUPERNETS = Path.of("conf/supernets");
  public static final String FASHION = "fashion_mixconv_2_3_4_3_4";

  private TestData() {}

  public static ModelSpec supernet(String name) {
    return ModelJson.read(SUPERNETS.resolve(name + ".json"));
  }

  public static List<Path> supernetFiles() {
    try (Stream<Path> s = Files.list(SUPERNETS)) {
      return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static LatencyTable midap() {
    return LatencyTable.readResource("io/s3nas/latency/midap-lut.csv");
  }
}
