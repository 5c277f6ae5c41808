package io.s3nas.space;

import io.s3nas.common.InvalidInputException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Codec of the S3NAS block-string grammar (docs/method.md §12). {@code format(parse(s)).equals(s)} holds
 * for every canonical string (fields in the order r k s e i o c se noskip act), which is how S3NAS
 * writes them and every published supernet and LUT file name is written.
 *
 * <p>Parsing is stricter than the reference decoder: each '_'-separated token must be a known field
 * or suffix, and the activation is a whole token (the reference's substring scan can read
 * {@code hsw} as {@code sw}).
 */
public final class BlockStrings {
  private BlockStrings() {}

  /** Largest repeat, channel count, kernel and expansion a block string may ask for. */
  static final int MAX_REPEAT = 1000;
  static final int MAX_CHANNELS = 65_536;
  static final int MAX_KERNEL = 31;
  static final int MAX_EXPANSION = 64;

  public static BlockArgs parse(String s) {
    return parse(s, "block string '" + s + "'");
  }

  /** Parses with errors attributed to {@code source} (e.g. a file and JSON path). */
  public static BlockArgs parse(String s, String source) {
    if (s == null || s.isBlank()) {
      throw new InvalidInputException(source, null, "expected a block string like r1_k3_s11_e6_i32_o32_c0");
    }
    Map<String, String> fields = new HashMap<>();
    boolean noskip = false;
    Activation act = null;
    for (String tok : s.split("_", -1)) {
      if (tok.isEmpty()) {
        throw new InvalidInputException(source, null, "empty token (doubled or trailing '_')");
      }
      if (tok.equals("noskip")) {
        noskip = true;
        continue;
      }
      var a = Activation.ofToken(tok);
      if (a.isPresent()) {
        if (act != null) {
          throw new InvalidInputException(source, "act", "two activation suffixes: " + act.token() + " and " + tok);
        }
        act = a.get();
        continue;
      }
      int d = firstDigit(tok);
      if (d <= 0) {
        throw new InvalidInputException(source, tok,
            "unknown token; expected one of r,k,s,e,i,o,c,se followed by a number, noskip, or an activation ("
                + Activation.allTokens() + ")");
      }
      String key = tok.substring(0, d);
      if (!List.of("r", "k", "s", "e", "i", "o", "c", "se").contains(key)) {
        throw new InvalidInputException(source, key, "unknown field; expected one of r,k,s,e,i,o,c,se");
      }
      if (fields.put(key, tok.substring(d)) != null) {
        throw new InvalidInputException(source, key, "field given twice");
      }
    }
    for (String required : List.of("r", "k", "s", "e", "i", "o")) {
      if (!fields.containsKey(required)) {
        throw new InvalidInputException(source, required, "missing required field");
      }
    }
    int repeat = positiveInt(fields.get("r"), source, "r");
    List<Integer> kernels = intList(fields.get("k"), source, "k");
    String st = fields.get("s");
    if (st.length() != 2 || !Character.isDigit(st.charAt(0)) || !Character.isDigit(st.charAt(1))
        || st.charAt(0) == '0' || st.charAt(1) == '0') {
      throw new InvalidInputException(source, "s", "expected two non-zero stride digits like s11 or s22, got 's" + st + "'");
    }
    List<Integer> expansions = expansionList(fields.get("e"), source);
    int in = positiveInt(fields.get("i"), source, "i");
    int out = positiveInt(fields.get("o"), source, "o");
    int code = fields.containsKey("c") ? nonNegativeInt(fields.get("c"), source, "c") : 0;
    BlockType type = BlockType.ofCode(code).orElseThrow(() -> new InvalidInputException(source, "c",
        "unknown block type code " + code + "; expected 0 (MBConv), 12 (searchable MBConv), 15 (fused kxk+1x1), "
            + "16 (searchable fused), 100 (MixConv) or 102 (searchable MixConv)"));
    double se = 0;
    if (fields.containsKey("se")) {
      try {
        se = Double.parseDouble(fields.get("se"));
      } catch (NumberFormatException e) {
        throw new InvalidInputException(source, "se", "expected a ratio like se0.25, got 'se" + fields.get("se") + "'");
      }
      if (!(se >= 0 && se <= 1)) {
        throw new InvalidInputException(source, "se", "expected a ratio in [0, 1], got " + fields.get("se"));
      }
    }
    for (int k : kernels) {
      if (k < 1 || k % 2 == 0 || k > MAX_KERNEL) {
        throw new InvalidInputException(source, "k", "expected odd kernel sizes from 1 to " + MAX_KERNEL + ", got "
            + fields.get("k"));
      }
    }
    // bounds that keep a hostile string from asking for gigabytes (r2000000000 would build two billion blocks)
    if (repeat > MAX_REPEAT) {
      throw new InvalidInputException(source, "r", "at most " + MAX_REPEAT + " repeats, got " + repeat);
    }
    if (in > MAX_CHANNELS || out > MAX_CHANNELS) {
      throw new InvalidInputException(source, in > MAX_CHANNELS ? "i" : "o", "at most " + MAX_CHANNELS
          + " channels, got " + Math.max(in, out));
    }
    for (int e : expansions) {
      if (e > MAX_EXPANSION) {
        throw new InvalidInputException(source, "e", "expansion ratios of at most " + MAX_EXPANSION + ", got " + e);
      }
    }
    if (type.multiBranch()) {
      if (kernels.size() != expansions.size()) {
        throw new InvalidInputException(source, "e", "a MixConv block needs one expansion per kernel: k"
            + fields.get("k") + " has " + kernels.size() + ", e" + fields.get("e") + " has " + expansions.size());
      }
    } else if (kernels.size() != 1 || expansions.size() != 1) {
      throw new InvalidInputException(source, kernels.size() != 1 ? "k" : "e",
          "block type c" + code + " takes one kernel and one expansion; lists need c100 or c102");
    }
    return new BlockArgs(repeat, kernels, st.charAt(0) - '0', st.charAt(1) - '0', expansions, in, out,
        type, se, !noskip, act);
  }

  public static String format(BlockArgs b) {
    StringBuilder sb = new StringBuilder(48);
    sb.append('r').append(b.repeat());
    sb.append("_k");
    joinInts(sb, b.kernels());
    sb.append("_s").append(b.strideH()).append(b.strideW());
    sb.append("_e");
    joinInts(sb, b.expansions());
    sb.append("_i").append(b.inputFilters());
    sb.append("_o").append(b.outputFilters());
    sb.append("_c").append(b.type().code());
    if (b.seRatio() > 0) {
      sb.append("_se").append(formatRatio(b.seRatio()));
    }
    if (!b.idSkip()) {
      sb.append("_noskip");
    }
    if (b.activation() != null) {
      sb.append('_').append(b.activation().token());
    }
    return sb.toString();
  }

  /** A ratio the way Python's {@code '%s' % float} prints it: 0.25, 1.0, 0.0001. */
  static String formatRatio(double v) {
    String plain = new BigDecimal(Double.toString(v)).toPlainString();
    return plain.contains(".") ? plain : plain + ".0";
  }

  private static void joinInts(StringBuilder sb, List<Integer> xs) {
    for (int i = 0; i < xs.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(xs.get(i));
    }
  }

  private static int firstDigit(String tok) {
    for (int i = 0; i < tok.length(); i++) {
      if (Character.isDigit(tok.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static int positiveInt(String v, String source, String field) {
    int x = nonNegativeInt(v, source, field);
    if (x < 1) {
      throw new InvalidInputException(source, field, "expected a positive integer, got '" + field + v + "'");
    }
    return x;
  }

  private static int nonNegativeInt(String v, String source, String field) {
    try {
      int x = Integer.parseInt(v);
      if (x < 0) {
        throw new NumberFormatException();
      }
      return x;
    } catch (NumberFormatException e) {
      throw new InvalidInputException(source, field, "expected a non-negative integer, got '" + field + v + "'");
    }
  }

  private static List<Integer> intList(String v, String source, String field) {
    List<Integer> out = new ArrayList<>();
    for (String p : v.split(",", -1)) {
      out.add(positiveInt(p, source, field));
    }
    return out;
  }

  /** Expansions are floats in the reference decoder; only whole numbers are encodable. */
  private static List<Integer> expansionList(String v, String source) {
    List<Integer> out = new ArrayList<>();
    for (String p : v.split(",", -1)) {
      double d;
      try {
        d = Double.parseDouble(p);
      } catch (NumberFormatException e) {
        throw new InvalidInputException(source, "e", "expected expansion ratios like e6 or e2,4, got 'e" + v + "'");
      }
      if (d < 0 || d != Math.rint(d) || d > 1000) {
        throw new InvalidInputException(source, "e", "expected whole, non-negative expansion ratios, got 'e" + v + "'");
      }
      out.add((int) d);
    }
    return out;
  }
}
