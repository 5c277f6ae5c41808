package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine search through the command line, on a tiny supernet and generated 8x8 IDX images. */
class SupernetSearchCliTest {
  @TempDir Path tmp;

  static final String TINY = """
      {"img_size": 8, "img_c": 1, "n_classes": 10,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r2_k5,5,7_s11_e2,2,2_i8_o8_c102", "r1_k5_s22_e6_i8_o16_c12"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 16, "kernel_size": 1}}
      """;

  static void idx(Path p, int magic, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(bos);
    d.writeInt(magic);
    for (int x : dims) {
      d.writeInt(x);
    }
    d.write(data);
    Files.write(p, bos.toByteArray());
  }

  Path fakeFashion(int n) throws IOException {
    Path dir = tmp.resolve("fashion");
    Files.createDirectories(dir);
    Random r = new Random(1);
    for (String split : new String[] {"train", "t10k"}) {
      byte[] px = new byte[n * 64];
      r.nextBytes(px);
      byte[] lb = new byte[n];
      for (int i = 0; i < n; i++) {
        lb[i] = (byte) (i % 10);
      }
      idx(dir.resolve(split + "-images-idx3-ubyte"), 0x803, new int[] {n, 8, 8}, px);
      idx(dir.resolve(split + "-labels-idx1-ubyte"), 0x801, new int[] {n}, lb);
    }
    return dir;
  }

  @Test
  void runsWarmupSearchAndDerivation() throws IOException {
    Path sup = tmp.resolve("tiny.json");
    Files.writeString(sup, TINY);
    Path out = tmp.resolve("run");
    CliTest.Result r = CliTest.run("supernet-search", "--supernet", sup.toString(), "--data", fakeFashion(200).toString(),
        "--hardware", "custom", "--target-ms", "10", "--warmup-epochs", "0.2", "--search-epochs", "0.2",
        "--batch", "8", "--checkpoint-every", "3", "--out", out.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertTrue(Files.exists(out.resolve("checkpoints/supernet-search.latest")));
    CliTest.Result again = CliTest.run("supernet-search", "--supernet", sup.toString(), "--data",
        tmp.resolve("fashion").toString(), "--hardware", "custom", "--target-ms", "10", "--warmup-epochs", "0.2",
        "--search-epochs", "0.2", "--batch", "8", "--checkpoint-every", "3", "--out", out.toString(), "--json", "--resume");
    assertEquals(0, again.code(), again.err());
    assertEquals(j.get("block_strings"), new ObjectMapper().readTree(again.out()).get("block_strings"),
        "a finished run resumes at its end and derives the same architecture");
    CliTest.Result otherSeed = CliTest.run("supernet-search", "--supernet", sup.toString(), "--data",
        tmp.resolve("fashion").toString(), "--hardware", "custom", "--target-ms", "10", "--warmup-epochs", "0.2",
        "--search-epochs", "0.2", "--batch", "8", "--seed", "9", "--out", out.toString(), "--resume");
    assertEquals(2, otherSeed.code());
    assertTrue(otherSeed.err().contains("other settings"), otherSeed.err());
    assertTrue(j.get("estimated_latency_ms").asDouble() > 0);
    assertEquals(4, j.get("warmup_steps").asInt());
    assertTrue(Files.readString(out.resolve("block_strings.txt")).contains("_c"));
    assertTrue(Files.exists(out.resolve("derived_model.json")));
  }

  @Test
  void impossibleTargetsAndMismatchedDataAreRejected() throws IOException {
    Path sup = tmp.resolve("tiny.json");
    Files.writeString(sup, TINY);
    Path data = fakeFashion(50);
    CliTest.Result tooFast = CliTest.run("supernet-search", "--supernet", sup.toString(), "--data", data.toString(),
        "--hardware", "custom", "--target-ms", "0.0001", "--batch", "8", "--out", tmp.resolve("a").toString());
    assertEquals(2, tooFast.code());
    assertTrue(tooFast.err().contains("impossible target"), tooFast.err());
    CliTest.Result wrongSize = CliTest.run("supernet-search", "--supernet", "fashion_mixconv_2_3_4_3_4", "--data",
        data.toString(), "--hardware", "custom", "--target-ms", "5", "--out", tmp.resolve("b").toString());
    assertEquals(2, wrongSize.code());
    assertTrue(wrongSize.err().contains("8x8x1") && wrongSize.err().contains("28x28x1"), wrongSize.err());
    assertTrue(!Files.exists(tmp.resolve("a")) && !Files.exists(tmp.resolve("b")), "nothing written");
  }
}
