package io.s3nas.latency.measured;

import com.typesafe.config.Config;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.Calibration;
import io.s3nas.latency.Component;
import io.s3nas.latency.HardwarePlatform;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.LatencyTable;
import io.s3nas.latency.NetworkMeasurement;
import io.s3nas.nn.infer.Nd4jThread;
import io.s3nas.space.Architecture;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.function.IntConsumer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Latency measured on this machine through a {@link Backend}: ND4J (platform {@code cpu-nd4j}) or
 * ONNX Runtime ({@code onnxruntime-cpu}). Components are measured (interleaved, see
 * {@link PassTimer}) on first need and kept in a table cached on disk under
 * {@code <cache-dir>/<fingerprint>.csv} (values in ms), so a supernet is profiled once per machine,
 * library version, thread count and batch.
 *
 * <p>Whole networks are not exactly the sum of their separately timed blocks: a network pays a
 * per-pass cost (workspace activation, the first op's dispatch), its blocks see inputs another
 * block just wrote, and all its weights stream through the caches. {@link #calibrate} takes a few whole
 * networks, fits {@code measured ≈ intercept + scale · Σ components + perMParams · parameters} by
 * least squares and stores it beside the table; estimates then charge every component
 * {@code scale ×} its time plus its parameters' share, and the network the intercept once.
 *
 * <p>Every whole-network measurement also re-times some of the network's components to measure the
 * machine's drift since the table was filled ({@link NetworkMeasurement}); the calibration is fitted
 * on drift-corrected times, so it holds the network-versus-parts relation and not the speed of the
 * VM on the day it was fitted.
 */
public final class MeasuredLatencyModel implements TableBackedModel {
  private static final Logger LOG = LoggerFactory.getLogger(MeasuredLatencyModel.class);
  private static final long SEED = 7;

  private final String platform;
  private final Backend backend;
  private final PassTimer timer;
  private final int threads;
  private final Path cacheDir;
  private final MachineFingerprint fingerprint;
  private final MeasuredTable table;
  /** Components of the table this process can rebuild, to re-time them as drift references. */
  private final Map<String, Component> seen = new LinkedHashMap<>();
  private IntConsumer progress = i -> {};

  public MeasuredLatencyModel(String platform, Backend backend, PassTimer timer, int threads, Path cacheDir,
                              boolean useCalibration) {
    this.platform = platform;
    this.backend = backend;
    this.timer = timer;
    this.threads = threads;
    this.cacheDir = cacheDir;
    this.table = new MeasuredTable(platform, useCalibration);
    this.fingerprint = Nd4jThread.call(() -> {
      backend.applyThreads(threads);
      return MachineFingerprint.current(backend, threads, timer.batch());
    });
    load();
  }

  public static MeasuredLatencyModel fromConfig(HardwarePlatform p, Backend backend) {
    Config c = p.settings();
    String src = p.file().toString();
    int threads = c.hasPath("threads") ? c.getInt("threads") : 2;
    int batch = c.hasPath("batch") ? c.getInt("batch") : 1;
    int warmup = c.hasPath("warmup") ? c.getInt("warmup") : 10;
    int rounds = c.hasPath("rounds") ? c.getInt("rounds") : 20;
    int runs = c.hasPath("runs-per-round") ? c.getInt("runs-per-round") : 5;
    double quantile = c.hasPath("quantile") ? c.getDouble("quantile") : 0.2;
    double warmupMs = c.hasPath("warmup-ms") ? c.getDouble("warmup-ms") : 3000;
    String dir = c.hasPath("cache-dir") ? c.getString("cache-dir") : "~/.s3nas/latency/" + p.name();
    String overhead = c.hasPath("network-overhead") ? c.getString("network-overhead") : "calibrated";
    if (!Set.of("calibrated", "none").contains(overhead)) {
      throw new InvalidInputException(src, "network-overhead", "expected calibrated or none, got '" + overhead + "'");
    }
    PassTimer timer;
    if (threads < 1) {
      throw new InvalidInputException(src, "threads", "expected a positive integer");
    }
    try {
      timer = new PassTimer(batch, warmup, rounds, runs, quantile, warmupMs);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(src, null, "expected " + e.getMessage());
    }
    String override = System.getProperty("s3nas.latency.cache-dir");
    Path cache = Path.of(override != null ? override + "/" + p.name()
        : dir.startsWith("~/") ? System.getProperty("user.home") + dir.substring(1) : dir);
    return new MeasuredLatencyModel(p.name(), backend, timer, threads, cache,
        overhead.equals("calibrated"));
  }

  @Override
  public String platform() {
    return platform;
  }

  @Override
  public String describeMachine() {
    return fingerprint.describe();
  }


  /** Rounds of one interleaved measurement (what a progress bar counts). */
  public int timerRounds() {
    return timer.rounds();
  }

  public MachineFingerprint fingerprint() {
    return fingerprint;
  }

  public Path tableFile() {
    return cacheDir.resolve(fingerprint.id() + ".csv");
  }

  private Path calibrationFile() {
    return cacheDir.resolve(fingerprint.id() + ".calibration.properties");
  }

  public int measuredCount() {
    return table.size();
  }

  /** The table and calibration estimates read (what a device node sends the searches it serves). */
  @Override
  public MeasuredTable table() {
    return table;
  }

  /**
   * Measures every component the table lacks, interleaved, and saves the table. When the table
   * already holds components this process has seen, some of them are re-timed in the same session
   * and the new entries are divided by their drift, so that the whole table stays in the units of
   * the session that started it.
   */
  @Override
  public synchronized void prefetch(Collection<Component> components) {
    Map<String, Component> missing = new LinkedHashMap<>();
    for (Component c : components) {
      if (table.get(c.tableKey()) == null) {
        missing.putIfAbsent(c.tableKey(), c);
      } else if (!(c instanceof Component.Pool)) {
        seen.putIfAbsent(c.tableKey(), c);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    List<Component> todo = new ArrayList<>();
    for (Component c : missing.values()) {
      if (c instanceof Component.Pool) {
        // pooling is timed together with the classifier
        table.put(new LatencyTable.Entry(c.tableClass(), c.key(), c.inputSize(), 0));
      } else {
        todo.add(c);
      }
    }
    List<Component> refs = references(new ArrayList<>(seen.values()));
    LOG.info("profiling {} components on {} ({} rounds, {} reference components)", todo.size(), platform,
        timer.rounds(), refs.size());
    List<Component> timed = new ArrayList<>(todo);
    timed.addAll(refs);
    List<Timing> t = time(List.of(), timed);
    double drift = drift(refs, t.subList(todo.size(), t.size()));
    double d = Double.isNaN(drift) ? 1 : drift;
    for (int i = 0; i < todo.size(); i++) {
      Component c = todo.get(i);
      table.put(new LatencyTable.Entry(c.tableClass(), c.key(), c.inputSize(), t.get(i).ms() / d));
      seen.putIfAbsent(c.tableKey(), c);
    }
    save();
  }

  /** Current times of reference components over their table times (NaN without references). */
  private double drift(List<Component> refs, List<Timing> now) {
    double a = 0;
    double b = 0;
    for (int i = 0; i < refs.size(); i++) {
      a += now.get(i).ms();
      b += table.get(refs.get(i).tableKey()).value();
    }
    double drift = b > 0 ? a / b : Double.NaN;
    if (!refs.isEmpty()) {
      LOG.info("{}: machine at {} x its table's times ({} reference components)", platform,
          String.format(java.util.Locale.ROOT, "%.3f", drift), refs.size());
    }
    return drift;
  }

  /** Where profiling reports rounds done (the CLI draws a progress bar). */
  public void onProgress(IntConsumer p) {
    this.progress = p == null ? i -> {} : p;
  }

  /**
   * Estimates that never measure: measured entries where the table has them, the predictor fitted on
   * the measured entries elsewhere, with the calibration applied. For sweeps over thousands of
   * candidate networks (scaling), whose chosen one is then measured.
   */
  public LatencyModel predictingView(int vectorWidth) {
    return table.predictingView(tableFile().toString(), vectorWidth);
  }

  @Override
  public LatencyModel estimatingView() {
    return predictingView(64);
  }

  /** Components timed beside the networks to measure the drift: enough to average out, few enough to be quick. */
  static final int DRIFT_REFERENCES = 12;

  /**
   * Times whole networks interleaved with up to {@value #DRIFT_REFERENCES} components the table holds
   * — the networks' own where it has them, else others this process has priced — whose times now
   * against their table times give the drift. Nothing new is profiled: a scaled network's parts
   * are mostly shapes the table lacks, and timing them all would cost far more than the network.
   */
  @Override
  public synchronized NetworkMeasurement measureNetworks(List<Architecture> archs) {
    Map<String, Component> parts = new LinkedHashMap<>();
    for (Architecture a : archs) {
      for (Component c : io.s3nas.latency.NetworkLatency.components(a)) {
        if (!(c instanceof Component.Pool) && table.get(c.tableKey()) != null) {
          parts.putIfAbsent(c.tableKey(), c);
        }
      }
    }
    if (parts.size() < DRIFT_REFERENCES / 2) {
      // a scaled network's parts are new shapes: time blocks the table holds instead
      seen.forEach(parts::putIfAbsent);
      tableBlocks().forEach(c -> parts.putIfAbsent(c.tableKey(), c));
    }
    List<Component> refs = references(new ArrayList<>(parts.values()));
    List<Timing> t = time(archs, refs);
    double drift = drift(refs, t.subList(archs.size(), t.size()));
    return new NetworkMeasurement(t.subList(0, archs.size()).stream().mapToDouble(Timing::ms).toArray(), drift);
  }

  /** The table's block entries as components (the blocks it can time again as drift references). */
  private List<Component> tableBlocks() {
    List<Component> out = new ArrayList<>();
    for (LatencyTable.Entry e : table.entries()) {
      if (e.component().endsWith("Block") || e.component().startsWith("ConvBlock")) {
        try {
          out.add(new Component.Block(io.s3nas.space.BlockStrings.parse(e.key()), e.inputSize()));
        } catch (RuntimeException notABlock) {
          // an entry this version cannot rebuild: not a reference
        }
      }
    }
    return out;
  }

  /** Up to {@link #DRIFT_REFERENCES} components spread over the range of table times (slowest first). */
  private List<Component> references(List<Component> parts) {
    parts.sort(java.util.Comparator.comparingDouble((Component c) -> table.get(c.tableKey()).value()).reversed());
    if (parts.size() <= DRIFT_REFERENCES) {
      return parts;
    }
    List<Component> out = new ArrayList<>();
    for (int i = 0; i < DRIFT_REFERENCES; i++) {
      out.add(parts.get(i * (parts.size() - 1) / (DRIFT_REFERENCES - 1)));
    }
    return out;
  }

  /**
   * Whole networks, then components, timed interleaved in one session: built, timed and closed on
   * the process's one ND4J thread ({@link Nd4jThread}: a second thread calling ND4J slows every op).
   */
  private List<Timing> time(List<Architecture> networks, List<Component> components) {
    return Nd4jThread.call(() -> {
      backend.applyThreads(threads);
      List<Backend.Pass> passes = new ArrayList<>();
      try {
        for (Architecture a : networks) {
          passes.add(backend.network(a, timer.batch(), SEED));
        }
        for (Component c : components) {
          passes.add(backend.component(c, timer.batch(), SEED));
        }
        return timer.timeAll(passes, progress);
      } finally {
        passes.forEach(Backend.Pass::close);
      }
    });
  }

  /** Fits the calibration ({@link MeasuredTable#fit}), applies it and caches it beside the table. */
  @Override
  public synchronized Calibration calibrate(double[] sums, double[] params, double[] measuredMs, double[] heldOutSums,
                                            double[] heldOutParams, double[] heldOutMeasuredMs) {
    Calibration calibration = MeasuredTable.fit(sums, params, measuredMs, heldOutSums, heldOutParams,
        heldOutMeasuredMs);
    table.calibration(calibration);
    Properties p = new Properties();
    p.setProperty("intercept_ms", Double.toString(calibration.interceptMs()));
    p.setProperty("scale", Double.toString(calibration.scale()));
    p.setProperty("per_mparam_ms", Double.toString(calibration.perMParamsMs()));
    p.setProperty("networks", Integer.toString(calibration.networks()));
    p.setProperty("held_out_errors", java.util.Arrays.stream(calibration.heldOutErrors()).mapToObj(Double::toString)
        .collect(java.util.stream.Collectors.joining(",")));
    p.setProperty("fingerprint", fingerprint.describe());
    try {
      Files.createDirectories(cacheDir);
      Path tmp = Files.createTempFile(cacheDir, "calibration", ".tmp");
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(w, platform + " network calibration: measured = intercept_ms + scale * sum(components) "
            + "+ per_mparam_ms * params / 1e6; held_out_errors = estimate / measured - 1 of networks not fitted on");
      }
      Files.move(tmp, calibrationFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("cannot write {}: {}", calibrationFile(), e.getMessage());
    }
    return calibration;
  }

  private void load() {
    Path f = tableFile();
    if (Files.exists(f)) {
      LatencyTable t = LatencyTable.readCsv(f);
      t.entries().forEach(table::put);
      LOG.info("loaded {} measured latencies from {}", table.size(), f);
    }
    Path cf = calibrationFile();
    if (Files.exists(cf)) {
      Properties p = new Properties();
      try (var r = Files.newBufferedReader(cf, StandardCharsets.UTF_8)) {
        p.load(r);
        String errs = p.getProperty("held_out_errors", "");
        table.loadCalibration(new Calibration(Double.parseDouble(p.getProperty("intercept_ms", "0")),
            Double.parseDouble(p.getProperty("scale", "1")), Double.parseDouble(p.getProperty("per_mparam_ms", "0")),
            Integer.parseInt(p.getProperty("networks", "0")), errs.isBlank() ? new double[0]
                : java.util.Arrays.stream(errs.split(",")).mapToDouble(Double::parseDouble).toArray()));
      } catch (IOException | NumberFormatException e) {
        throw new InvalidInputException(cf.toString(), "intercept_ms/scale", "corrupt calibration file; delete it to recalibrate");
      }
    }
  }

  /** Writes the table atomically (temp file + rename), so a crash never leaves half a table. */
  private void save() {
    try {
      Files.createDirectories(cacheDir);
      Path tmp = Files.createTempFile(cacheDir, "table", ".tmp");
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        new LatencyTable(tableFile().toString(), table.entries(), List.of())
            .writeCsv(w, platform + " latencies in ms, low quantile of interleaved timed runs\n" + fingerprint.describe());
      }
      Files.move(tmp, tableFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("cannot write latency cache {}: {}", tableFile(), e.getMessage());
    }
  }
}
