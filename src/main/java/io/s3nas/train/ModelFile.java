package io.s3nas.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Normalization;
import io.s3nas.nn.engine.FinalNet;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The saved-model file ({@code .s3model}): a zip holding {@code architecture.json} (the S3NAS model
 * JSON), {@code tensors.bin} (little-endian float32, tensor after tensor) and {@code model.json}
 * (format, tensor names and lengths, the SHA-256 of the tensors, normalisation and training facts).
 * Written to a temporary file and moved into place, so a crash never leaves a half-written model.
 */
public final class ModelFile {
  static final String FORMAT = "s3nas-model";
  static final int VERSION = 1;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ModelFile() {}

  public static void write(TrainedModel m, Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(4 * m.tensors().values().stream().mapToInt(a -> a.length).sum())
        .order(ByteOrder.LITTLE_ENDIAN);
    ObjectNode meta = MAPPER.createObjectNode();
    meta.put("format", FORMAT);
    meta.put("version", VERSION);
    ArrayNode list = meta.putArray("tensors");
    m.tensors().forEach((name, v) -> {
      list.addObject().put("name", name).put("length", v.length);
      buf.asFloatBuffer().put(v);
      buf.position(buf.position() + 4 * v.length);
    });
    byte[] bin = buf.array();
    meta.put("sha256", CheckpointStore.sha256(bin));
    meta.put("bn_epsilon", m.bnEpsilon());
    ObjectNode norm = meta.putObject("normalization");
    norm.set("mean", MAPPER.valueToTree(m.normalization().mean()));
    norm.set("std", MAPPER.valueToTree(m.normalization().std()));
    meta.set("info", MAPPER.valueToTree(m.info()));
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
      entry(zip, "model.json", MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
      entry(zip, "architecture.json", ModelJson.format(m.architecture().spec()).getBytes(StandardCharsets.UTF_8));
      entry(zip, "tensors.bin", bin);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public static TrainedModel read(Path file) {
    String src = file.toString();
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (InputStream is = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(is)) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        zip.transferTo(out);
        entries.put(e.getName(), out.toByteArray());
      }
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(src, null, "a saved model file (s3nas train --out writes one); no such file");
    } catch (IOException e) {
      throw new InvalidInputException(src, null, "a saved model file (zip); cannot read it: " + e.getMessage());
    }
    for (String name : new String[] {"model.json", "architecture.json", "tensors.bin"}) {
      if (!entries.containsKey(name)) {
        throw new InvalidInputException(src, name, "a saved s3nas model holding model.json, architecture.json and "
            + "tensors.bin; this file has " + entries.keySet());
      }
    }
    JsonNode meta;
    try {
      meta = MAPPER.readTree(entries.get("model.json"));
    } catch (IOException e) {
      throw new InvalidInputException(src, "model.json", "valid JSON: " + e.getMessage());
    }
    if (!FORMAT.equals(meta.path("format").asText()) || meta.path("version").asInt() != VERSION) {
      throw new InvalidInputException(src, "model.json format", "format " + FORMAT + " version " + VERSION);
    }
    Architecture arch = Architecture.of(ModelJson.parse(new String(entries.get("architecture.json"),
        StandardCharsets.UTF_8), src + "!architecture.json"), src);
    byte[] bin = entries.get("tensors.bin");
    if (!CheckpointStore.sha256(bin).equals(meta.path("sha256").asText())) {
      throw new InvalidInputException(src, "tensors.bin", "tensors matching the SHA-256 in model.json (file damaged)");
    }
    Map<String, float[]> expected = new FinalNet(arch, 0, 1, 0, 0, 0.99, 1e-3).tensors();
    Map<String, float[]> tensors = new LinkedHashMap<>();
    ByteBuffer buf = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode t : meta.path("tensors")) {
      String name = t.path("name").asText();
      int len = t.path("length").asInt(-1);
      float[] want = expected.get(name);
      if (want == null || want.length != len) {
        throw new InvalidInputException(src, "tensors." + name, want == null ? "a tensor of the architecture"
            : "length " + want.length + " for this architecture, found " + len);
      }
      if (buf.remaining() < 4 * len) {
        throw new InvalidInputException(src, "tensors.bin", "as many floats as model.json lists (file truncated)");
      }
      float[] v = new float[len];
      buf.asFloatBuffer().get(v);
      buf.position(buf.position() + 4 * len);
      tensors.put(name, v);
    }
    if (!tensors.keySet().equals(expected.keySet())) {
      throw new InvalidInputException(src, "tensors", "every tensor of the architecture; missing "
          + expected.keySet().stream().filter(k -> !tensors.containsKey(k)).toList());
    }
    JsonNode n = meta.path("normalization");
    Normalization norm = new Normalization(MAPPER.convertValue(n.path("mean"), double[].class),
        MAPPER.convertValue(n.path("std"), double[].class));
    @SuppressWarnings("unchecked")
    Map<String, Object> info = MAPPER.convertValue(meta.path("info"), Map.class);
    double eps = meta.path("bn_epsilon").asDouble(-1);
    if (!(eps > 0)) {
      throw new InvalidInputException(src, "model.json bn_epsilon", "a positive number");
    }
    return new TrainedModel(arch, tensors, eps, norm, info == null ? Map.of() : info);
  }

  private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(data);
    zip.closeEntry();
  }
}
