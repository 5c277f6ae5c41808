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
    assertEquals(0.6, q.budgetFraction());
    assertEquals(0.4, q.searchTargetFraction());
    assertEquals(0, q.budgetMs(), "the quickstart's budget is a position in the supernet's range, not ms");
    assertEquals(1.0 + 0.6 * 3.0, q.budgetMs(1.0, 4.0), 1e-12);
    assertEquals(1.0 + 0.4 * 3.0, q.searchTargetMs(1.0, 4.0), 1e-12);
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
    InvalidInputException wrapped = bad(ok + "batch = 4294967297\n");
    assertTrue(wrapped.getMessage().contains("batch") && wrapped.getMessage().contains("4294967297"),
        "no silent narrowing to a batch of 1: " + wrapped.getMessage());
    InvalidInputException infinite = bad("supernet = x\nhardware = midap\nbudget-ms = \"Infinity\"\n");
    assertTrue(infinite.getMessage().contains("budget-ms"), infinite.getMessage());
    InvalidInputException both = bad(ok + "budget-fraction = 0.5\n");
    assertTrue(both.getMessage().contains("not both"), both.getMessage());
    InvalidInputException fraction = bad("supernet = x\nhardware = midap\nbudget-fraction = 0.5\n"
        + "search-target-fraction = 0.7\n");
    assertTrue(fraction.getMessage().contains("search-target-fraction"), fraction.getMessage());
    InvalidInputException change = bad(ok + "postprocess-changes = [se-last, relu6]\n");
    assertTrue(change.getMessage().contains("postprocess-changes") && change.getMessage().contains("relu6"),
        change.getMessage());
    InvalidInputException share = bad(ok + "probe-base-share = 1.5\n");
    assertTrue(share.getMessage().contains("probe-base-share"), share.getMessage());
  }

  @Test
  void everySettingHasADefaultAndADocumentedKey() throws IOException {
    String cli = Files.readString(Path.of("docs/cli.md"));
    for (String key : SearchSpecs.keys()) {
      assertTrue(cli.contains("`" + key + "`"), "docs/cli.md documents " + key);
    }
    SearchSpec s = SearchSpecs.read(Path.of("conf/searches/fashion-full.conf"));
    assertEquals(io.s3nas.stages.PipelineSettings.defaults().postprocessChanges(), s.settings().postprocessChanges());
  }
}
