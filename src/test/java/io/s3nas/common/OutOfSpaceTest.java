package io.s3nas.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A full disk is told from every other failure, however deep it is wrapped. */
class OutOfSpaceTest {
  @Test
  void aFullDiskIsRecognisedThroughWrappersAndNothingElseIs() {
    Throwable full = new CompletionException(new UncheckedIOException("cannot write x",
        new FileSystemException("/data/ck/abc.tmp: No space left on device")));
    assertEquals("/data/ck/abc.tmp: No space left on device", OutOfSpace.reason(full).orElseThrow());
    assertTrue(OutOfSpace.reason(new IOException("File too large")).isPresent(), "a file-size limit");
    assertTrue(OutOfSpace.reason(new IOException("Disk quota exceeded")).isPresent(), "a quota");
    assertTrue(OutOfSpace.reason(new IOException("Connection reset")).isEmpty());
    assertTrue(OutOfSpace.reason(new IllegalArgumentException("no space left on device in the budget")).isEmpty(),
        "words in a message that is not an I/O failure");
    assertTrue(OutOfSpace.reason(new RuntimeException((String) null)).isEmpty());
  }
}
