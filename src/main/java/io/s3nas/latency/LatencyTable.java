package io.s3nas.latency;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.common.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A latency lookup table: raw values keyed by {@code <Class>/<key>_imgsize<H>}, in the platform's
 * unit (MIDAP: cycles; measured tables: ms). Two interchangeable on-disk forms: the S3NAS folder
 * (one JSON file per entry, docs/method.md §5.1) and a CSV {@code component,key,input_size,value}.
 */
public final class LatencyTable {
  public static final String CSV_HEADER = "component,key,input_size,value";
  private static final Pattern FILE_NAME = Pattern.compile("(.+)_imgsize(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One table entry. */
  public record Entry(String component, String key, int inputSize, double value) {
    public String tableKey() {
      return component + "/" + key + "_imgsize" + inputSize;
    }
  }

  private final String name;
  private final Map<String, Entry> entries;
  private final List<String> skipped;

  public LatencyTable(String name, Collection<Entry> entries, List<String> skipped) {
    this.name = name;
    Map<String, Entry> m = new LinkedHashMap<>();
    for (Entry e : entries) {
      m.put(e.tableKey(), e);
    }
    this.entries = Collections.unmodifiableMap(m);
    this.skipped = List.copyOf(skipped);
  }

  public String name() {
    return name;
  }

  public int size() {
    return entries.size();
  }

  public Collection<Entry> entries() {
    return entries.values();
  }

  /** Files of a folder import that are not table entries by name (e.g. a stray {@code _tmp}). */
  public List<String> skipped() {
    return skipped;
  }

  /** The raw value, or NaN when the table lacks the entry. */
  public double value(String tableKey) {
    Entry e = entries.get(tableKey);
    return e == null ? Double.NaN : e.value();
  }

  public boolean contains(String tableKey) {
    return entries.containsKey(tableKey);
  }

  // ---- CSV -------------------------------------------------------------------------------------

  public static LatencyTable readCsv(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return readCsv(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file.toString(), null, "latency table file not found");
    } catch (IOException e) {
      throw new InvalidInputException(file.toString(), null, "cannot read: " + e.getMessage());
    }
  }

  public static LatencyTable readResource(String resource) {
    InputStream in = LatencyTable.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new InvalidInputException("classpath:" + resource, null, "bundled latency table missing from the jar");
    }
    try (in) {
      return readCsv(in, "classpath:" + resource);
    } catch (IOException e) {
      throw new InvalidInputException("classpath:" + resource, null, "cannot read: " + e.getMessage());
    }
  }

  static LatencyTable readCsv(InputStream in, String source) throws IOException {
    List<Entry> out = new ArrayList<>();
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    int no = 0;
    boolean header = false;
    while ((line = r.readLine()) != null) {
      no++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (!header) {
        if (!t.equals(CSV_HEADER)) {
          throw new InvalidInputException(source, "line " + no, "expected the header '" + CSV_HEADER + "', got '" + t + "'");
        }
        header = true;
        continue;
      }
      List<String> f = splitCsv(t, source, no);
      if (f.size() != 4) {
        throw new InvalidInputException(source, "line " + no, "expected 4 columns (" + CSV_HEADER + "), got " + f.size());
      }
      int size;
      double value;
      try {
        size = Integer.parseInt(f.get(2));
      } catch (NumberFormatException e) {
        throw new InvalidInputException(source, "line " + no + " input_size", "expected an integer, got '" + f.get(2) + "'");
      }
      try {
        value = Double.parseDouble(f.get(3));
      } catch (NumberFormatException e) {
        throw new InvalidInputException(source, "line " + no + " value", "expected a number, got '" + f.get(3) + "'");
      }
      if (!(value >= 0) || Double.isInfinite(value) || size < 1) {
        throw new InvalidInputException(source, "line " + no, "expected a positive input_size and a finite value >= 0");
      }
      out.add(new Entry(f.get(0), f.get(1), size, value));
    }
    if (!header) {
      throw new InvalidInputException(source, null, "empty latency table; expected the header '" + CSV_HEADER + "'");
    }
    return new LatencyTable(source, out, List.of());
  }

  private static List<String> splitCsv(String line, String source, int no) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString().strip());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (quoted) {
      throw new InvalidInputException(source, "line " + no, "unterminated quote");
    }
    out.add(cur.toString().strip());
    return out;
  }

  public void writeCsv(Writer w, String comment) throws IOException {
    if (comment != null) {
      for (String c : comment.split("\n")) {
        w.write("# " + c + "\n");
      }
    }
    w.write(CSV_HEADER + "\n");
    for (Entry e : entries.values()) {
      String key = e.key().contains(",") ? "\"" + e.key() + "\"" : e.key();
      String v = e.value() == Math.rint(e.value()) && Math.abs(e.value()) < 1e15
          ? Long.toString((long) e.value()) : Double.toString(e.value());
      w.write(e.component() + "," + key + "," + e.inputSize() + "," + v + "\n");
    }
  }

  // ---- S3NAS folder ----------------------------------------------------------------------------

  /**
   * Reads an S3NAS latency folder. Files whose names are not {@code <key>_imgsize<H>} are skipped
   * and listed in {@link #skipped()}; a file with such a name but unusable content is an error.
   */
  public static LatencyTable readFolder(Path root, String parseKey) {
    if (!Files.isDirectory(root)) {
      throw new InvalidInputException(root.toString(), null, "expected an S3NAS latency folder (<Class>/<key>_imgsize<H> files)");
    }
    List<Entry> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<Path> classes;
    try (Stream<Path> s = Files.list(root)) {
      classes = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new InvalidInputException(root.toString(), null, "cannot list: " + e.getMessage());
    }
    if (classes.isEmpty()) {
      throw new InvalidInputException(root.toString(), null, "no class folders (Conv2D, MBConvBlock, ...) inside");
    }
    for (Path cls : classes) {
      List<Path> files;
      try (Stream<Path> s = Files.list(cls)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      } catch (IOException e) {
        throw new InvalidInputException(cls.toString(), null, "cannot list: " + e.getMessage());
      }
      for (Path f : files) {
        Matcher m = FILE_NAME.matcher(f.getFileName().toString());
        if (!m.matches()) {
          skipped.add(root.relativize(f).toString());
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(f.toFile());
        } catch (IOException e) {
          throw new InvalidInputException(f.toString(), null, "corrupt latency file, expected JSON like {\""
              + parseKey + "\": 12345}: " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode v = node == null ? null : node.get(parseKey);
        if (v == null || !v.isNumber() || v.asDouble() < 0) {
          throw new InvalidInputException(f.toString(), parseKey, "expected a non-negative number, got "
              + (v == null ? "nothing" : v.toString()));
        }
        out.add(new Entry(cls.getFileName().toString(), m.group(1), Integer.parseInt(m.group(2)), v.asDouble()));
      }
    }
    return new LatencyTable(root.toString(), out, skipped);
  }

  public void writeFolder(Path root, String parseKey) throws IOException {
    for (Entry e : entries.values()) {
      Path dir = root.resolve(e.component());
      Files.createDirectories(dir);
      String v = e.value() == Math.rint(e.value()) ? Long.toString((long) e.value()) : Double.toString(e.value());
      Files.writeString(dir.resolve(e.key() + "_imgsize" + e.inputSize()), "{\"" + parseKey + "\": " + v + "}");
    }
  }
}
