package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void estimatePrintsOneJsonObjectWithLatency() throws IOException {
    Result r = run("latency", "estimate", "--hardware", "midap", "--base", "mbconv_super_4_4_4_4_4", "--json", "--arch",
        "r1_k3_s22_e2_i32_o32_c0 | r1_k3_s22_e2_i32_o64_c0 | r1_k3_s22_e2_i64_o128_c0 | r1_k3_s11_e2_i128_o160_c0 | r1_k3_s22_e2_i160_o256_c0");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("midap", j.get("platform").asText());
    assertTrue(j.get("latency_ms").asDouble() > 0.3);
    assertEquals(5, j.get("blocks").asInt());
    assertEquals(1, r.out().strip().lines().count());
  }

  @Test
  void estimateReadsAnArchitectureFileAndSaysWhatWasPredicted() throws IOException {
    Path arch = tmp.resolve("arch.json");
    Files.writeString(arch, Files.readString(Path.of("conf/supernets/fashion_mixconv_2_3_4_3_4.json"))
        .replace("r2_k5,5,7_s11_e2,2,2_i16_o16_c102", "r2_k3_s11_e6_i16_o16_c0")
        .replace("r3_k5,5,7_s22_e2,2,2_i16_o24_c102", "r3_k3_s22_e6_i16_o24_c0")
        .replace("r4_k5,5,7_s22_e2,2,2_i24_o40_c102", "r4_k3,5_s22_e2,4_i24_o40_c100")
        .replace("r3_k5,5,7_s11_e2,2,2_i40_o48_c102", "r3_k5_s11_e6_i40_o48_c0")
        .replace("r4_k5,5,7_s22_e2,2,2_i48_o96_c102", "r4_k3_s22_e6_i48_o96_c0"));
    Result r = run("latency", "estimate", "--hardware", "midap", "--arch", arch.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("filled by the predictor"), r.out());
    assertTrue(r.out().contains("MBConvBlock/r1_k3_s11_e6_i16_o16_c0_imgsize28"), r.out());
  }

  @Test
  void spaceShowCountsOutcomes() throws IOException {
    Result r = run("space", "show", "fashion_mixconv_2_3_4_3_4", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(16, j.get("blocks").asInt());
    assertEquals(16, j.get("block_list").get(0).get("outcome_count").asInt());
    assertEquals(15, j.get("block_list").get(2).get("outcome_count").asInt());
    assertTrue(j.get("block_list").get(0).get("skippable").asBoolean());
  }

  @Test
  void tablePlatformValidationIsTheHeldOutPredictorAccuracy() throws IOException {
    Result r = run("latency", "validate", "--hardware", "midap", "--supernet", "mixconv_super_3_4_7_4_11", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertTrue(j.get("within_10pct").asDouble() >= 0.95);
    assertEquals(j.get("supernet_outcomes").asInt(), j.get("supernet_outcomes_in_table").asInt());
  }

  @Test
  void importRegistersAPlatform() throws IOException {
    Path folder = tmp.resolve("lut/MBConvBlock");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("r1_k3_s11_e2_i8_o8_c0_imgsize8"), "{\"latency\": 1200}");
    Files.createDirectories(tmp.resolve("conf/hardware"));
    Result r = run("latency", "import", "--conf-dir", tmp.resolve("conf").toString(), "--from", tmp.resolve("lut").toString(),
        "--format", "s3nas-folder", "--out", tmp.resolve("dev.csv").toString(), "--name", "dev", "--unit-divisor", "1000");
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.readString(tmp.resolve("conf/hardware/dev.conf")).contains("kind = table"));
    assertTrue(Files.readString(tmp.resolve("dev.csv")).contains("MBConvBlock,r1_k3_s11_e2_i8_o8_c0,8,1200"));
    // a platform that exists (a shipped one, or this one) is not replaced without --force
    String before = Files.readString(tmp.resolve("conf/hardware/dev.conf"));
    Result again = run("latency", "import", "--conf-dir", tmp.resolve("conf").toString(), "--from",
        tmp.resolve("lut").toString(), "--format", "s3nas-folder", "--out", tmp.resolve("dev2.csv").toString(),
        "--name", "dev", "--unit-divisor", "1");
    assertEquals(2, again.code());
    assertTrue(again.err().contains("--force") && again.err().contains("dev.conf"), again.err());
    assertEquals(before, Files.readString(tmp.resolve("conf/hardware/dev.conf")), "untouched");
    assertTrue(!Files.exists(tmp.resolve("dev2.csv")), "nothing written");
    Result forced = run("latency", "import", "--conf-dir", tmp.resolve("conf").toString(), "--from",
        tmp.resolve("lut").toString(), "--format", "s3nas-folder", "--out", tmp.resolve("dev2.csv").toString(),
        "--name", "dev", "--unit-divisor", "1", "--force");
    assertEquals(0, forced.code(), forced.err());
  }

  @Test
  void badInputsExitWithCodeTwoAndOneMessage() {
    Result malformed = run("latency", "estimate", "--hardware", "midap", "--base", "mbconv_super_4_4_4_4_4",
        "--arch", "r1_k3_s1_e2_i32_o32_c0");
    assertEquals(2, malformed.code());
    assertTrue(malformed.err().contains("field 's'"), malformed.err());
    Result unknown = run("latency", "estimate", "--hardware", "tpu", "--base", "mbconv_super_4_4_4_4_4",
        "--arch", "r1_k3_s22_e2_i32_o32_c0");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("unknown hardware platform 'tpu'"), unknown.err());
    Result missing = run("space", "show", "no-such-supernet");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("no-such-supernet"), missing.err());
    Result noBase = run("latency", "estimate", "--hardware", "midap", "--arch", "r1_k3_s22_e2_i32_o32_c0");
    assertEquals(2, noBase.code());
    assertTrue(noBase.err().contains("--base"), noBase.err());
    Result flag = run("latency", "estimate", "--hardware");
    assertEquals(2, flag.code());
    for (Result r : new Result[] {malformed, unknown, missing, noBase}) {
      assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
    }
  }

  @Test
  void corruptTableFileExitsWithCodeTwo() throws IOException {
    Path conf = tmp.resolve("conf/hardware");
    Files.createDirectories(conf);
    Files.writeString(tmp.resolve("conf/hardware/bad.csv"), "component,key,input_size,value\nDense,i8_o3,1,oops\n");
    Files.writeString(conf.resolve("bad.conf"), "kind = table\ntable = \"bad.csv\"\n");
    Result r = run("latency", "estimate", "--conf-dir", tmp.resolve("conf").toString(), "--hardware", "bad",
        "--arch", "conf/supernets/mbconv_super_4_4_4_4_4.json");
    assertEquals(2, r.code());
  }

  @Test
  void serveAndSearchRefuseAPortOutOfRange() {
    Result r = run("serve", "--port", "70000", "--data-dir", tmp.resolve("d").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--port") && r.err().contains("0 to 65535"), r.err());
    Result search = run("search", "--config", "conf/searches/quickstart.conf", "--http-port", "-1", "--data-dir",
        tmp.resolve("d").toString());
    assertEquals(2, search.code());
    assertTrue(search.err().contains("--http-port"), search.err());
    assertFalse(Files.exists(tmp.resolve("d")), "nothing written");
  }
}
