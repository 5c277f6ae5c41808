package io.s3nas.space;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.common.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes the S3NAS model JSON (docs/method.md §12): both {@code stages_args} forms (one block
 * string per stage, or {@code BasicStage} objects whose {@code blocks_args} are strings or dicts),
 * the optional {@code final_expand_layer} and the activation globals. Every field is validated and
 * an error names the file and the JSON path.
 */
public final class ModelJson {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> TOP_KEYS = Set.of("img_size", "img_c", "n_classes", "first_conv",
      "stages_args", "feature_mix_layer", "final_expand_layer", "act_fn", "se_inner_act_fn", "se_gating_fn");
  private static final Set<String> LAYER_KEYS = Set.of("cls", "output_filters", "kernel_size", "strides");
  private static final Set<String> BLOCK_DICT_KEYS = Set.of("num_repeat", "conv_type", "kernel_size",
      "input_filters", "output_filters", "expand_ratio", "strides", "id_skip", "se_ratio", "act_fn");

  private ModelJson() {}

  public static ModelSpec read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file.toString(), null, "file not found");
    } catch (IOException e) {
      throw new InvalidInputException(file.toString(), null, "cannot read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static ModelSpec parse(String json, String source) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      // a constraint violation (nesting deeper than 1,000, a huge number) has no location
      throw new InvalidInputException(source, null, "not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException(source, null, "expected a JSON object with img_size, stages_args, ...");
    }
    checkKeys(root, TOP_KEYS, source, "");
    int img = positiveInt(root, "img_size", source, "img_size");
    int imgC = positiveInt(root, "img_c", source, "img_c");
    int classes = positiveInt(root, "n_classes", source, "n_classes");
    LayerSpec first = layer(required(root, "first_conv", source, "first_conv"), source, "first_conv");
    LayerSpec mix = layer(required(root, "feature_mix_layer", source, "feature_mix_layer"), source, "feature_mix_layer");
    LayerSpec finalExpand = root.has("final_expand_layer") && !root.get("final_expand_layer").isNull()
        ? layer(root.get("final_expand_layer"), source, "final_expand_layer") : null;
    Activation act = activation(root, "act_fn", source);
    Activation seInner = activation(root, "se_inner_act_fn", source);
    Activation seGating = activation(root, "se_gating_fn", source);

    JsonNode stagesNode = required(root, "stages_args", source, "stages_args");
    if (!stagesNode.isArray() || stagesNode.isEmpty()) {
      throw new InvalidInputException(source, "stages_args", "expected a non-empty list of stages");
    }
    boolean asStrings = stagesNode.get(0).isTextual();
    List<StageSpec> stages = new ArrayList<>();
    for (int i = 0; i < stagesNode.size(); i++) {
      JsonNode st = stagesNode.get(i);
      String path = "stages_args[" + i + "]";
      if (asStrings) {
        if (!st.isTextual()) {
          throw new InvalidInputException(source, path, "expected a block string like the other stages");
        }
        stages.add(new StageSpec(List.of(blockString(st.asText(), source, path))));
      } else {
        if (!st.isObject()) {
          throw new InvalidInputException(source, path, "expected a stage object {\"cls\":\"BasicStage\",\"blocks_args\":[...]}");
        }
        checkKeys(st, Set.of("cls", "blocks_args"), source, path + ".");
        if (st.has("cls") && !"BasicStage".equals(st.get("cls").asText())) {
          throw new InvalidInputException(source, path + ".cls", "only BasicStage is supported, got " + st.get("cls"));
        }
        JsonNode blocks = required(st, "blocks_args", source, path + ".blocks_args");
        if (!blocks.isArray() || blocks.isEmpty()) {
          throw new InvalidInputException(source, path + ".blocks_args", "expected a non-empty list of blocks");
        }
        List<BlockArgs> list = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
          String bp = path + ".blocks_args[" + j + "]";
          JsonNode b = blocks.get(j);
          list.add(b.isTextual() ? blockString(b.asText(), source, bp) : blockDict(b, source, bp));
        }
        stages.add(new StageSpec(list));
      }
    }
    ModelSpec spec = new ModelSpec(img, imgC, classes, first, stages, mix, finalExpand, act, seInner,
        seGating, asStrings);
    checkChannelChain(spec, source);
    return spec;
  }

  /** Consecutive blocks must agree on channels: block i's output is block i+1's input. */
  private static void checkChannelChain(ModelSpec spec, String source) {
    int channels = spec.firstConv().outputFilters();
    int bi = 0;
    for (int s = 0; s < spec.stages().size(); s++) {
      List<BlockArgs> blocks = spec.stages().get(s).blocks();
      for (int j = 0; j < blocks.size(); j++) {
        BlockArgs b = blocks.get(j);
        if (b.inputFilters() != channels) {
          throw new InvalidInputException(source, "stages_args[" + s + "]" + (spec.stagesAsStrings() ? "" : ".blocks_args[" + j + "]"),
              "input filters i" + b.inputFilters() + " do not match the " + channels
                  + " channels produced before it");
        }
        channels = b.outputFilters();
        bi++;
      }
    }
  }

  public static String format(ModelSpec spec) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("img_size", spec.imgSize());
    root.put("img_c", spec.imgChannels());
    root.put("n_classes", spec.numClasses());
    root.set("first_conv", layerNode(spec.firstConv()));
    ArrayNode stages = root.putArray("stages_args");
    for (StageSpec st : spec.stages()) {
      if (spec.stagesAsStrings() && st.blocks().size() == 1) {
        stages.add(BlockStrings.format(st.blocks().get(0)));
      } else {
        ObjectNode o = stages.addObject();
        o.put("cls", "BasicStage");
        ArrayNode arr = o.putArray("blocks_args");
        st.blocks().forEach(b -> arr.add(BlockStrings.format(b)));
      }
    }
    root.set("feature_mix_layer", layerNode(spec.featureMixLayer()));
    if (spec.finalExpandLayer() != null) {
      root.set("final_expand_layer", layerNode(spec.finalExpandLayer()));
    }
    if (spec.actFn() != null) {
      root.put("act_fn", spec.actFn().token());
    }
    if (spec.seInnerActFn() != null) {
      root.put("se_inner_act_fn", spec.seInnerActFn().token());
    }
    if (spec.seGatingFn() != null) {
      root.put("se_gating_fn", spec.seGatingFn().token());
    }
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the model JSON atomically (a crash leaves the old file or the new one, never half). */
  public static void write(ModelSpec spec, Path file) {
    io.s3nas.common.AtomicFiles.writeString(file, format(spec));
  }

  private static ObjectNode layerNode(LayerSpec l) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("cls", l.cls());
    o.put("output_filters", l.outputFilters());
    o.put("kernel_size", l.kernelSize());
    o.put("strides", l.stride());
    return o;
  }

  private static BlockArgs blockString(String s, String source, String path) {
    try {
      return BlockStrings.parse(s);
    } catch (InvalidInputException e) {
      throw e.within(source, path);
    }
  }

  /** A block given as a dict with the reference's BlockArgs field names. */
  private static BlockArgs blockDict(JsonNode b, String source, String path) {
    if (!b.isObject()) {
      throw new InvalidInputException(source, path, "expected a block string or a block dict");
    }
    checkKeys(b, BLOCK_DICT_KEYS, source, path + ".");
    int repeat = b.has("num_repeat") ? positiveInt(b, "num_repeat", source, path + ".num_repeat") : 1;
    int code = b.has("conv_type") ? positiveOrZero(b, "conv_type", source, path + ".conv_type") : 0;
    BlockType type = BlockType.ofCode(code).orElseThrow(() ->
        new InvalidInputException(source, path + ".conv_type", "unknown block type code " + code));
    List<Integer> kernels = intOrList(required(b, "kernel_size", source, path + ".kernel_size"), source, path + ".kernel_size");
    List<Integer> exps = intOrList(required(b, "expand_ratio", source, path + ".expand_ratio"), source, path + ".expand_ratio");
    JsonNode strides = required(b, "strides", source, path + ".strides");
    List<Integer> st = intOrList(strides, source, path + ".strides");
    if (st.size() == 1) {
      st = List.of(st.get(0), st.get(0));
    }
    int in = positiveInt(b, "input_filters", source, path + ".input_filters");
    int out = positiveInt(b, "output_filters", source, path + ".output_filters");
    boolean idSkip = !b.has("id_skip") || b.get("id_skip").asBoolean(true);
    double se = b.has("se_ratio") && !b.get("se_ratio").isNull() ? b.get("se_ratio").asDouble() : 0;
    Activation act = activation(b, "act_fn", source, path + ".act_fn");
    // Route through the string codec so dicts obey exactly the same validation.
    String s = BlockStrings.format(new BlockArgs(repeat, kernels, st.get(0), st.get(1), exps, in, out,
        type, se, idSkip, act));
    return blockString(s, source, path);
  }

  private static List<Integer> intOrList(JsonNode n, String source, String path) {
    List<Integer> out = new ArrayList<>();
    if (n.isArray()) {
      for (JsonNode x : n) {
        if (!x.isNumber()) {
          throw new InvalidInputException(source, path, "expected numbers, got " + n);
        }
        out.add(x.asInt());
      }
    } else if (n.isNumber()) {
      out.add(n.asInt());
    } else {
      throw new InvalidInputException(source, path, "expected a number or a list of numbers, got " + n);
    }
    if (out.isEmpty()) {
      throw new InvalidInputException(source, path, "expected at least one number");
    }
    return out;
  }

  private static LayerSpec layer(JsonNode n, String source, String path) {
    if (!n.isObject()) {
      throw new InvalidInputException(source, path, "expected an object {cls, output_filters, kernel_size, strides}");
    }
    checkKeys(n, LAYER_KEYS, source, path + ".");
    String cls = n.has("cls") ? n.get("cls").asText() : "Conv2D";
    if (!cls.equals("Conv2D")) {
      throw new InvalidInputException(source, path + ".cls", "only Conv2D is supported, got '" + cls + "'");
    }
    int filters = positiveInt(n, "output_filters", source, path + ".output_filters");
    int k = squareInt(required(n, "kernel_size", source, path + ".kernel_size"), source, path + ".kernel_size");
    int s = n.has("strides") ? squareInt(n.get("strides"), source, path + ".strides") : 1;
    if (k % 2 == 0) {
      throw new InvalidInputException(source, path + ".kernel_size", "expected an odd kernel size, got " + k);
    }
    return new LayerSpec(cls, filters, k, s);
  }

  private static int squareInt(JsonNode n, String source, String path) {
    List<Integer> xs = intOrList(n, source, path);
    if (xs.stream().distinct().count() != 1 || xs.size() > 2 || xs.get(0) < 1) {
      throw new InvalidInputException(source, path, "expected a positive integer (or an equal pair), got " + n);
    }
    return xs.get(0);
  }

  private static Activation activation(JsonNode n, String key, String source) {
    return activation(n, key, source, key);
  }

  private static Activation activation(JsonNode n, String key, String source, String path) {
    if (!n.has(key) || n.get(key).isNull()) {
      return null;
    }
    String t = n.get(key).asText();
    return Activation.ofToken(t).orElseThrow(() -> new InvalidInputException(source, path,
        "unknown activation '" + t + "'; expected one of " + Activation.allTokens()));
  }

  private static JsonNode required(JsonNode n, String key, String source, String path) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      throw new InvalidInputException(source, path, "missing required field");
    }
    return v;
  }

  private static int positiveInt(JsonNode n, String key, String source, String path) {
    int v = positiveOrZero(n, key, source, path);
    if (v < 1) {
      throw new InvalidInputException(source, path, "expected a positive integer, got " + n.get(key));
    }
    return v;
  }

  private static int positiveOrZero(JsonNode n, String key, String source, String path) {
    JsonNode v = required(n, key, source, path);
    if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE) {
      throw new InvalidInputException(source, path, "expected a non-negative integer, got " + v);
    }
    return v.asInt();
  }

  private static void checkKeys(JsonNode n, Set<String> known, String source, String prefix) {
    Iterator<String> it = n.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!known.contains(k)) {
        throw new InvalidInputException(source, prefix + k, "unknown field; expected one of "
            + known.stream().sorted().toList());
      }
    }
  }
}
