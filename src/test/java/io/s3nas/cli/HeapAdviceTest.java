package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import io.s3nas.stages.TrainingMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The heap the launcher asks the jar for, from a command's own arguments. */
class HeapAdviceTest {
  @Test
  void aCappedSearchIsSizedFromItsLargestTrainingAndAnUncappedOneIsNot(@TempDir Path dir) throws Exception {
    // the quickstart caps scaling (scaling-max-macs 1.5): its need is known before it runs
    OptionalLong quick = HeapAdvice.activationBytes(List.of("search", "--config", "conf/searches/quickstart.conf"));
    SearchSpace fashion = SearchSpace.of(ModelJson.read(Path.of("conf/supernets/fashion_mixconv_2_3_4_3_4.json")));
    assertTrue(quick.isPresent());
    assertTrue(quick.getAsLong() >= TrainingMemory.supernet(fashion, 64), "at least the supernet at the config's batch");
    long mib = TrainingMemory.heapMib(quick.getAsLong());
    assertTrue(mib > TrainingMemory.BASE_HEAP_MIB && mib < 8192, "a heap below the old fixed 8 GB: " + mib);
    // the same search at twice the batch needs about twice the activations
    Path doubled = dir.resolve("doubled.conf");
    Files.writeString(doubled, Files.readString(Path.of("conf/searches/quickstart.conf")).replace("batch = 64", "batch = 128"));
    long twice = HeapAdvice.activationBytes(List.of("search", "--config", doubled.toString())).getAsLong();
    assertEquals(2.0, (double) twice / quick.getAsLong(), 0.05);
    // fashion-full lets scaling grow without a cap: no bound is known, the launcher keeps its share
    assertTrue(HeapAdvice.activationBytes(List.of("search", "--config", "conf/searches/fashion-full.conf")).isEmpty());
    assertTrue(HeapAdvice.activationBytes(List.of("list")).isEmpty());
    assertEquals(quick, HeapAdvice.activationBytes(List.of("sweep", "--config", "conf/searches/quickstart.conf",
        "--budgets-ms", "2,3")), "a sweep runs the config's searches one after another");
    // a fork trains what its source's spec says, which the source's run folder holds (spec.json)
    Path run = Files.createDirectories(dir.resolve("runs/quick"));
    Files.writeString(run.resolve("spec.json"), new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
        io.s3nas.actors.SearchSpecs.read(Path.of("conf/searches/quickstart.conf"))));
    assertEquals(quick, HeapAdvice.activationBytes(List.of("fork", "quick", "--id", "q2", "--budget-ms", "3",
        "--run-dir", dir.resolve("runs").toString())));
    assertTrue(HeapAdvice.activationBytes(List.of("fork", "--id", "q2", "other", "--run-dir",
        dir.resolve("runs").toString())).isEmpty(), "a source without spec.json: the launcher keeps its share");
  }

  @Test
  void supernetSearchAndTrainAreSizedFromTheirNetworkAtTheirBatch(@TempDir Path dir) throws Exception {
    long at128 = HeapAdvice.activationBytes(List.of("supernet-search", "--supernet", "fashion_mixconv_2_3_4_3_4")).getAsLong();
    long at64 = HeapAdvice.activationBytes(List.of("supernet-search", "--supernet", "fashion_mixconv_2_3_4_3_4",
        "--batch", "64")).getAsLong();
    assertEquals(2.0, (double) at128 / at64, 0.02);
    Path arch = dir.resolve("arch.json");
    SearchSpace space = SearchSpace.of(ModelJson.read(Path.of("conf/supernets/fashion_mixconv_2_3_4_3_4.json")));
    ModelJson.write(space.architecture(new int[space.blocks().size()]).spec(), arch);
    long train = HeapAdvice.activationBytes(List.of("train", "--arch", arch.toString(), "--batch=32")).getAsLong();
    assertTrue(train > 0 && train < at64, "one path at batch 32 keeps less than the supernet at 64: " + train);
  }

  @Test
  void inputTheCommandWillRefuseGivesNoAdvice() {
    // main prints nothing, and the command itself then says what is wrong (exit 2)
    org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
        () -> HeapAdvice.activationBytes(List.of("search", "--config", "no-such.conf")));
  }
}
