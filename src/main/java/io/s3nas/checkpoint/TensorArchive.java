package io.s3nas.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float and double arrays plus a JSON object of facts, as one byte string: the magic
 * {@code S3NASTA1}, the header length, a JSON header (facts, names and lengths), then the arrays in
 * little-endian order. What a checkpoint holds.
 */
public record TensorArchive(ObjectNode meta, Map<String, float[]> floats, Map<String, double[]> doubles) {
  private static final byte[] MAGIC = "S3NASTA1".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public TensorArchive {
    floats = new LinkedHashMap<>(floats);
    doubles = new LinkedHashMap<>(doubles);
  }

  public static TensorArchive empty() {
    return new TensorArchive(MAPPER.createObjectNode(), Map.of(), Map.of());
  }

  public float[] floats(String name) {
    float[] v = floats.get(name);
    if (v == null) {
      throw new IllegalArgumentException("checkpoint has no tensor " + name);
    }
    return v;
  }

  public double[] doubles(String name) {
    double[] v = doubles.get(name);
    if (v == null) {
      throw new IllegalArgumentException("checkpoint has no tensor " + name);
    }
    return v;
  }

  /** Copies a stored tensor into {@code target}, which must have its length. */
  public void copyInto(String name, float[] target) {
    float[] v = floats(name);
    if (v.length != target.length) {
      throw new IllegalArgumentException("checkpoint tensor " + name + " has " + v.length + " values, expected "
          + target.length);
    }
    System.arraycopy(v, 0, target, 0, v.length);
  }

  public void copyInto(String name, double[] target) {
    double[] v = doubles(name);
    if (v.length != target.length) {
      throw new IllegalArgumentException("checkpoint tensor " + name + " has " + v.length + " values, expected "
          + target.length);
    }
    System.arraycopy(v, 0, target, 0, v.length);
  }

  public byte[] toBytes() {
    ObjectNode header = MAPPER.createObjectNode();
    header.set("meta", meta);
    ArrayNode f = header.putArray("floats");
    floats.forEach((k, v) -> f.addObject().put("name", k).put("length", v.length));
    ArrayNode d = header.putArray("doubles");
    doubles.forEach((k, v) -> d.addObject().put("name", k).put("length", v.length));
    byte[] h;
    try {
      h = MAPPER.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    long size = MAGIC.length + 4L + h.length;
    for (float[] v : floats.values()) {
      size += 4L * v.length;
    }
    for (double[] v : doubles.values()) {
      size += 8L * v.length;
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(h.length).put(h);
    for (float[] v : floats.values()) {
      b.asFloatBuffer().put(v);
      b.position(b.position() + 4 * v.length);
    }
    for (double[] v : doubles.values()) {
      b.asDoubleBuffer().put(v);
      b.position(b.position() + 8 * v.length);
    }
    return b.array();
  }

  public static TensorArchive fromBytes(byte[] bytes, String source) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[MAGIC.length];
      b.get(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new IllegalArgumentException(source + " is not an s3nas checkpoint");
      }
      byte[] h = new byte[b.getInt()];
      b.get(h);
      JsonNode header = MAPPER.readTree(h);
      Map<String, float[]> floats = new LinkedHashMap<>();
      for (JsonNode t : header.path("floats")) {
        float[] v = new float[t.path("length").asInt()];
        b.asFloatBuffer().get(v);
        b.position(b.position() + 4 * v.length);
        floats.put(t.path("name").asText(), v);
      }
      Map<String, double[]> doubles = new LinkedHashMap<>();
      for (JsonNode t : header.path("doubles")) {
        double[] v = new double[t.path("length").asInt()];
        b.asDoubleBuffer().get(v);
        b.position(b.position() + 8 * v.length);
        doubles.put(t.path("name").asText(), v);
      }
      return new TensorArchive((ObjectNode) header.path("meta"), floats, doubles);
    } catch (IOException | BufferUnderflowException | IllegalArgumentException | ClassCastException e) {
      throw new IllegalArgumentException(source + " is not a readable s3nas checkpoint: " + e.getMessage(), e);
    }
  }
}
