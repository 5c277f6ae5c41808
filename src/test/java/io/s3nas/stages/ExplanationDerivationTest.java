package io.s3nas.stages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.search.Derivation;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A recorded derivation is recognised as the one that gave a network even when it skipped a stage's
 * block before one it kept: the network reads back as if the stage's last block were the skipped one
 * (a quickstart on 2026-12-01 lost its derivation line in the report that way).
 */
class ExplanationDerivationTest {
  @Test
  void aSkipBeforeAKeptBlockStillMatches() throws IOException {
    SearchSpace space = SearchSpace.of(ModelJson.read(Path.of("conf/supernets/fashion_mixconv_2_3_4_3_4.json")));
    // the quickstart's supernet choice: block 13 skipped, block 14 kept, in the last stage
    int[] recorded = {1, 7, 0, 7, 0, 4, 5, 5, 7, 4, 4, 5, 5, 0, 5, 0};
    Architecture network = space.architecture(recorded);
    int[] readBack = space.choiceOf(network);
    assertFalse(java.util.Arrays.equals(recorded, readBack), "the network does not say which block was skipped");
    Derivation d = new Derivation(311, "the last step", new double[] {Double.NaN}, new double[] {Double.NaN}, recorded,
        recorded);
    assertTrue(Explanation.gave(space, d, network));
    assertArrayEquals(readBack, space.choiceOf(space.architecture(readBack)));

    int[] other = recorded.clone();
    other[5] = 5;
    assertFalse(Explanation.gave(space, d, space.architecture(other)));
  }
}
