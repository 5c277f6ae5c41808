package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Search configs: the shipped ones parse, bad ones name the file and key. */
class SearchSpecsTest {
  @TempDir Path tmp;

  @Test
  void shippedConfigsParse() {
    SearchSpec q = SearchSpecs.read(Path.of("conf/searches/quickstart.conf"));
    assertEquals("cpu-nd4j", q.hardware());
    assertEquals(6.5, q.searchTargetMs());
    assertEquals(8000, q.trainLimit());
    assertEquals("midap", SearchSpecs.read(Path.of("conf/searches/imagenet-midap.conf")).hardware());
    assertEquals(20, SearchSpecs.read(Path.of("conf/searches/fashion-full.conf")).finalEpochs());
  }

  InvalidInputException bad(String text) throws IOException {
    Path f = tmp.resolve("s.conf");
    Files.writeString(f, text);
    return assertThrows(InvalidInputException.class, () -> SearchSpecs.read(f));
  }

  @Test
  void badConfigsNameTheFileAndKey() throws IOException {
    String ok = "supernet = x\nhardware = midap\nbudget-ms = 3\n";
    InvalidInputException unknown = bad(ok + "epochz = 3\n");
    assertTrue(unknown.getMessage().contains("s.conf") && unknown.getMessage().contains("epochz"), unknown.getMessage());
    InvalidInputException type = bad(ok + "batch = many\n");
    assertTrue(type.getMessage().contains("batch"), type.getMessage());
    InvalidInputException missing = bad("supernet = x\nhardware = midap\n");
    assertTrue(missing.getMessage().contains("budget-ms") && missing.getMessage().contains("missing"), missing.getMessage());
    InvalidInputException target = bad(ok + "search-target-ms = 5\n");
    assertTrue(target.getMessage().contains("search-target-ms"), target.getMessage());
  }
}
