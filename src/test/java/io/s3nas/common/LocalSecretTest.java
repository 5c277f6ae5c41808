package io.s3nas.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data folder's secret is made once and then kept, whoever comes second. */
class LocalSecretTest {
  @TempDir
  Path dir;

  @Test
  void aSecretPublishedSecondDoesNotReplaceTheFirst() throws Exception {
    // what a second process does when it found no file and another one published in the meantime
    LocalSecret.publish(dir, "http.token", "first");
    LocalSecret.publish(dir, "http.token", "second");
    assertEquals("first", Files.readString(dir.resolve("http.token")));
    assertEquals("first", LocalSecret.of(dir, "http.token"));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }

  @Test
  void aMissingSecretIsMadeOnceAndKept() {
    String made = LocalSecret.of(dir, "journal.password");
    assertEquals(64, made.length());
    assertEquals(made, LocalSecret.of(dir, "journal.password"));
    assertNotEquals(made, LocalSecret.of(dir, "http.token"));
  }
}
