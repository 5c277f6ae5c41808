package io.s3nas.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.AtomicFiles;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.report.DecisionTrace;
import io.s3nas.report.SearchReport;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockOutcome;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import io.s3nas.stages.ExportStage;
import io.s3nas.stages.LatencyStage;
import io.s3nas.stages.PipelineSettings;
import io.s3nas.stages.PostprocessStage;
import io.s3nas.stages.ScalingStage;
import io.s3nas.train.ModelFile;
import io.s3nas.train.TrainedModel;
import java.io.IOException;
import java.time.Duration;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * The real stages of a search (docs/design.md, "Actors"): the latency table, through the
 * platform's {@link LatencyEstimator}; the supernet, scaling, post-processing and final training,
 * each by its stage actor ({@link SupernetTrainer}, {@link Scaler}, {@link PostProcessor},
 * {@link NetworkTrainer}) asked by message, whose answers come back to the supervisor as its
 * commands; export and {@code result.json}. The estimators are children of the supervisor, one per
 * platform; the stage actors one per stage run. Checkpoints live under
 * {@code <data-dir>/checkpoints}, outputs under the run folder; both are named by the search id, so
 * a restarted stage continues its own run.
 */
public final class EnginePipeline implements Pipeline {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnginePipeline.class);
  private final Path confDir;
  private final Path dataDir;
  private final Path runDir;
  private final int checkpointEvery;
  private final ActorContext<SearchSupervisor.Command> ctx;
  /** The latency estimator of each platform this search has asked for, children of the supervisor. */
  private final Map<String, ActorRef<LatencyEstimator.Command>> estimators = new java.util.HashMap<>();

  /** Builds a platform's latency model by name (blocks; called on the estimator's blocking thread). */
  private final java.util.function.Function<String, LatencyModel> platforms;

  /**
   * What a stage's checkpoints must have been written by: the spec and the stage. Which candidates
   * are measured changes no trained state, so the measurement policy is left out: a search
   * checkpointed before its keys existed resumes from its checkpoints.
   */
  static ObjectNode checkpointIdentity(SearchSpec s, String stage) {
    ObjectNode n = MAPPER.valueToTree(s);
    if (n.get("settings") instanceof ObjectNode settings) {
      settings.remove("measurement");
    }
    n.put("stage", stage);
    return n;
  }

  /** A search whose platforms are those of {@code confDir/hardware}, timed on this machine. */
  public EnginePipeline(Path confDir, Path dataDir, Path runDir, int checkpointEvery,
                        ActorContext<SearchSupervisor.Command> ctx) {
    this(confDir, dataDir, runDir, checkpointEvery, ctx,
        hardware -> HardwareRegistry.load(confDir.resolve("hardware")).model(hardware));
  }

  /**
   * A search whose platforms {@code platforms} builds: on a cluster, a platform a device node serves
   * is that node's (docs/cluster.md, "Device nodes").
   */
  public EnginePipeline(Path confDir, Path dataDir, Path runDir, int checkpointEvery,
                        ActorContext<SearchSupervisor.Command> ctx,
                        java.util.function.Function<String, LatencyModel> platforms) {
    this.platforms = platforms;
    this.confDir = confDir;
    this.dataDir = dataDir;
    this.runDir = runDir.toAbsolutePath(); // result.json names files a server in another folder can find
    this.checkpointEvery = checkpointEvery;
    this.ctx = ctx;
  }

  /** The platform's estimator (spawned on first need; called on the supervisor's thread). */
  private ActorRef<LatencyEstimator.Command> estimator(String hardware) {
    ActorRef<LatencyEstimator.Command> known = estimators.get(hardware);
    if (known != null && ctx.getChild(known.path().name()).isPresent()) {
      return known;
    }
    // first need, or the supervisor restarted (a failed journal write) and stopped its children with it;
    // a fresh name, since the old child may still be stopping
    ActorRef<LatencyEstimator.Command> est = ctx.spawn(LatencyEstimator.create(() -> platforms.apply(hardware)),
        "latency-estimator-" + hardware + "-" + System.nanoTime());
    estimators.put(hardware, est);
    return est;
  }

  @Override
  public ActorRef<?> start(String id, SearchSupervisor.Running st, ActorContext<SearchSupervisor.Command> context,
                           Duration minBackoff) {
    if (st.stage() == Stage.DONE) {
      return null;
    }
    SearchSpec s = st.spec();
    ActorRef<StatusReply<Done>> noReply = context.getSystem().ignoreRef();
    ActorRef<LatencyEstimator.Command> est = estimator(s.hardware());
    Stages stages = new Stages(id, st, noReply, est);
    String name = Pipeline.childName(st.stage());
    ActorRef<?> child;
    switch (st.stage()) {
      case SUPERNET -> {
        if (st.forkedFrom() != null && st.forkedFrom().derived()) {
          // a fork of the source's derived architecture trains no supernet: it takes that architecture
          return Pipeline.startJob(c -> stages.sourceDerivation(), st.stage(), context, minBackoff);
        }
        ActorRef<SupernetTrainer.Reply> to = context.messageAdapter(SupernetTrainer.Reply.class, r -> supernet(id, r,
            noReply));
        ActorRef<SupernetTrainer.Command> a = context.spawn(SupernetTrainer.create(est, minBackoff, MAX_RESTARTS), name);
        child = a;
        a.tell(new SupernetTrainer.Train(s, stages.supernetFile(s), st.targetMs(), stages.checkpoints(id, "supernet", s),
            stages.outDir(id), to));
      }
      case SCALING -> {
        ActorRef<Scaler.Reply> to = context.messageAdapter(Scaler.Reply.class, r -> scaling(r, noReply));
        ActorRef<Scaler.Command> a = context.spawn(Scaler.create(est, minBackoff, MAX_RESTARTS), name);
        child = a;
        a.tell(new Scaler.Scale(stages.architecture("derived architecture"), st.budgetMs(), s.settings(), s.hardware(),
            stages.outDir(id), to));
      }
      case POST_PROCESSING -> {
        ActorRef<PostProcessor.Reply> to = context.messageAdapter(PostProcessor.Reply.class, r -> postProcessing(id, r,
            noReply));
        ActorRef<PostProcessor.Command> a = context.spawn(PostProcessor.create(est, minBackoff, MAX_RESTARTS), name);
        child = a;
        a.tell(new PostProcessor.Decide(s, stages.architecture("scaled architecture"), st.budgetMs(),
            stages.checkpoints(id, "postprocess", s), stages.outDir(id), to));
      }
      case FINAL_TRAINING -> {
        ActorRef<NetworkTrainer.Reply> to = context.messageAdapter(NetworkTrainer.Reply.class, r -> finalTraining(id, r,
            noReply));
        ActorRef<NetworkTrainer.Command> a = context.spawn(NetworkTrainer.create(minBackoff, MAX_RESTARTS), name);
        child = a;
        a.tell(new NetworkTrainer.Train(s, stages.architecture("post-processed architecture"),
            stages.checkpoints(id, "final", s), st.warmStartRef(), stages.outDir(id).resolve("model.s3model"), to));
      }
      case LATENCY_TABLE -> {
        return Pipeline.startJob(c -> stages.latency(), st.stage(), context, minBackoff);
      }
      case EXPORT -> {
        return Pipeline.startJob(c -> stages.export(), st.stage(), context, minBackoff);
      }
      default -> throw new IllegalStateException(st.stage().name());
    }
    return child;
  }

  // ---- the stage actors' answers as the supervisor's commands ----------------------------------

  /** A stage actor's failure or full disk (the answers every stage actor may give). */
  private static SearchSupervisor.Command failed(Object r, ActorRef<StatusReply<Done>> noReply) {
    if (r instanceof StageOutOfSpace o) {
      return new SearchSupervisor.WorkBlocked(o.stage(), o.reason(), noReply);
    }
    StageFailed f = (StageFailed) r;
    return new SearchSupervisor.WorkFailed(f.stage(), f.reason(), true, noReply);
  }

  static SearchSupervisor.Command supernet(String id, SupernetTrainer.Reply r, ActorRef<StatusReply<Done>> noReply) {
    if (r instanceof SupernetTrainer.Step p) {
      return new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.SUPERNET, p.phase(), p.step(), p.total(),
          p.loss(), p.expectedMs()));
    } else if (r instanceof SupernetTrainer.Checkpointed c) {
      return new SearchSupervisor.SupernetProgressed(c.step(), c.total(), c.phase(), c.loss(), c.expectedMs(),
          c.checkpointRef(), noReply);
    } else if (r instanceof SupernetTrainer.Derived d) {
      Architecture a = d.result().architecture();
      return new SearchSupervisor.Derived(a.blockStrings(), ModelJson.format(a.spec()), d.result().estimatedMs(),
          noReply);
    }
    return failed(r, noReply);
  }

  static SearchSupervisor.Command scaling(Scaler.Reply r, ActorRef<StatusReply<Done>> noReply) {
    if (r instanceof Scaler.Scaled s) {
      ScalingStage.Result res = s.result();
      var c = res.search().chosen().scaling();
      return new SearchSupervisor.Scaled(res.architecture().blockStrings(), ModelJson.format(res.architecture()
          .spec()), c.width(), c.depth(), c.resolution(), res.estimatedMs(), res.measuredMs(), noReply);
    }
    return failed(r, noReply);
  }

  static SearchSupervisor.Command postProcessing(String id, PostProcessor.Reply r,
                                                  ActorRef<StatusReply<Done>> noReply) {
    if (r instanceof PostProcessor.Step x) {
      return new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.POST_PROCESSING, "probe", x.step(), x.total(),
          x.loss(), Double.NaN));
    } else if (r instanceof PostProcessor.Decided d) {
      PostprocessStage.Result res = d.result();
      List<String> kept = res.decisions().decisions().stream()
          .filter(io.s3nas.postprocess.PostProcessor.Decision::kept).map(x -> x.change().label()).toList();
      return new SearchSupervisor.PostProcessed(res.architecture().blockStrings(), ModelJson.format(res.architecture()
          .spec()), kept, res.decisions().finalCost().candidateMs(), d.warmStartRef(), noReply);
    }
    return failed(r, noReply);
  }

  static SearchSupervisor.Command finalTraining(String id, NetworkTrainer.Reply r,
                                                 ActorRef<StatusReply<Done>> noReply) {
    if (r instanceof NetworkTrainer.Step p) {
      return new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.FINAL_TRAINING, "train", p.step(), p.total(),
          p.loss(), Double.NaN));
    } else if (r instanceof NetworkTrainer.Checkpointed c) {
      return new SearchSupervisor.FinalTrainingProgressed(c.step(), c.total(), c.loss(), c.checkpointRef(), noReply);
    } else if (r instanceof NetworkTrainer.Trained t) {
      // the last step's report moves the search on to export
      return new SearchSupervisor.FinalTrainingProgressed(t.steps(), t.steps(), t.loss(), t.checkpointRef(), noReply);
    }
    return failed(r, noReply);
  }

  /** The stages of one search in one state that run as jobs, and what the stage actors are given. */
  private final class Stages {
    private final String id;
    private final SearchSupervisor.Running st;
    private final ActorRef<StatusReply<Done>> noReply;
    private final ActorRef<LatencyEstimator.Command> estimator;

    Stages(String id, SearchSupervisor.Running st, ActorRef<StatusReply<Done>> noReply,
           ActorRef<LatencyEstimator.Command> estimator) {
      this.id = id;
      this.st = st;
      this.noReply = noReply;
      this.estimator = estimator;
    }

    /** The supernet's file: the spec's path, or a name under {@code conf/supernets}. */
    Path supernetFile(SearchSpec s) {
      Path p = Path.of(s.supernet());
      return Files.isRegularFile(p) ? p : confDir.resolve("supernets").resolve(s.supernet() + ".json");
    }

    ModelSpec supernetSpec(SearchSpec s) {
      return ModelJson.read(supernetFile(s));
    }

    /** The search's platform, through its estimator (blocks: called on a stage's worker thread). */
    private LatencyModel platform() {
      return EstimatorClient.platform(estimator, ctx.getSystem().scheduler());
    }

    /** The search's output folder (made by the stage that writes into it, on its worker thread). */
    Path outDir(String id) {
      return (st.spec().runDir() != null ? Path.of(st.spec().runDir()) : runDir).resolve(id);
    }

    Path out(String id) {
      try {
        return Files.createDirectories(outDir(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    SearchSupervisor.Command latency() {
      SearchSpec s = st.spec();
      PipelineSettings p = s.settings();
      // the spec the search runs with, beside its outputs: what a reader of the run folder (and the
      // launcher sizing a fork's heap, io.s3nas.cli.HeapAdvice) needs without the journal
      try {
        AtomicFiles.writeString(out(id).resolve("spec.json"), MAPPER.writerWithDefaultPrettyPrinter()
            .writeValueAsString(s) + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      LatencyStage.Result r = LatencyStage.run(new LatencyStage.Request(SearchSpace.of(supernetSpec(s)), s.budgetMs(),
          s.budgetFraction(), s.searchTargetMs(), s.searchTargetFraction(), p.calibrationNetworks(),
          p.calibrationHeldOut(), s.seed()), platform());
      double band = r.calibration() == null ? Double.NaN : r.calibration().relativeBand();
      return new SearchSupervisor.LatencyReady(s.hardware(), r.minMs(), r.maxMs(), r.budgetMs(), r.targetMs(), band,
          noReply);
    }

    private ObjectNode identity(SearchSpec s, String stage) {
      return checkpointIdentity(s, stage);
    }

    RunCheckpoints checkpoints(String id, String stage, SearchSpec s) {
      // a fork's supernet, before its own first checkpoint, starts from its source's warm-up end
      ForkOrigin fork = st.forkedFrom();
      RunCheckpoints.Start start = fork != null && stage.equals("supernet")
          ? new RunCheckpoints.Start(fork.checkpointRef(), identity(fork.sourceSpec(), stage)) : null;
      // the journal's last checkpoint reference is tried too: a lost pointer file never restarts from 0
      return new RunCheckpoints(new CheckpointStore(dataDir.resolve("checkpoints")), id + "-" + stage, checkpointEvery,
          identity(s, stage), true, s.settings().checkpointKeep(), st.checkpointRef(), start);
    }

    /**
     * A fork at its source's derived architecture ({@link ForkOrigin#derived()}): that architecture,
     * written where the supernet stage writes it, with its estimate on this search's platform.
     */
    SearchSupervisor.Command sourceDerivation() {
      ForkOrigin o = st.forkedFrom();
      Architecture a = Architecture.of(ModelJson.parse(o.derivedModelJson(), "the derived architecture of "
          + o.searchId()), "derived architecture");
      ModelJson.write(a.spec(), out(id).resolve("derived_model.json"));
      double est = new io.s3nas.latency.FixedLatency(platform().estimatingView()).totalMs(a);
      return new SearchSupervisor.Derived(a.blockStrings(), o.derivedModelJson(), est, noReply);
    }

    /**
     * {@code explain.json}, the evidence behind each block (docs/design.md, "Explain"), which the report
     * shows. It explains; it decides nothing: a failure is logged and the search still completes.
     */
    private void writeExplanation(SearchSpec s, Path dir, TensorArchive ck) {
      try {
        SearchSpace space = SearchSpace.of(supernetSpec(s));
        Map<String, Object> why = io.s3nas.stages.Explanation.ofRun(space, NetworkLatency.of(space, platform()),
            io.s3nas.stages.SupernetStage.settings(s.settings(), s.batch(), st.targetMs(), s.seed()), dir, ck);
        AtomicFiles.writeString(dir.resolve("explain.json"), MAPPER.writerWithDefaultPrettyPrinter()
            .writeValueAsString(why) + "\n");
      } catch (IOException | RuntimeException e) {
        LOG.warn("search {}: explain.json not written: {}", id, e.toString());
      }
    }

    /** A per-step log column of a run's last checkpoint (empty when there is none, or it lacks the column). */
    static double[] logColumn(TensorArchive a, String column) {
      return a != null && a.doubles().containsKey("log:" + column) ? RunCheckpoints.column(a, column) : new double[0];
    }

    /** The supernet's per-step block decisions from its last checkpoint {@code a}, with each outcome's latency. */
    DecisionTrace decisions(SearchSpec s, TensorArchive a) {
      if (a == null || !a.doubles().containsKey("log:phase")) {
        return DecisionTrace.EMPTY; // a checkpoint from before decisions were logged
      }
      SearchSpace space = SearchSpace.of(supernetSpec(s));
      NetworkLatency nl = NetworkLatency.of(space, platform());
      int blocks = space.blocks().size();
      double[] phase = RunCheckpoints.column(a, "phase");
      int[][] choices = new int[phase.length][blocks];
      List<String> names = new ArrayList<>();
      List<List<String>> outcomes = new ArrayList<>();
      double[][] ms = new double[blocks][];
      for (int b = 0; b < blocks; b++) {
        SearchableBlock sb = space.blocks().get(b);
        names.add("s" + (sb.stage() + 1) + "." + (sb.indexInStage() + 1));
        outcomes.add(sb.outcomes().stream().map(BlockOutcome::label).toList());
        ms[b] = nl.outcomeMs(b);
        double[] c = RunCheckpoints.column(a, SinglePathSearch.choiceColumn(b));
        for (int t = 0; t < phase.length; t++) {
          choices[t][b] = (int) c[t];
        }
      }
      int warmup = (int) java.util.Arrays.stream(phase).filter(p -> p == 0).count();
      return new DecisionTrace(names, outcomes, ms, choices, warmup);
    }

    Architecture architecture(String source) {
      return Architecture.of(ModelJson.parse(st.modelJson(), source), source);
    }

    SearchSupervisor.Command export() throws IOException {
      long t0 = System.nanoTime();
      double cpu0 = CostMeter.processCpuSeconds();
      SearchSpec s = st.spec();
      Path dir = out(id);
      TrainedModel m = ModelFile.read(dir.resolve("model.s3model"));
      LatencyModel platform = platform();
      // the derived network is what the calibration's networks are like (the gate's reference)
      Path derivedFile = dir.resolve("derived_model.json");
      Architecture derived = Files.exists(derivedFile) ? Architecture.of(ModelJson.read(derivedFile),
          "derived_model.json") : null;
      ExportStage.LatencyVerdict v = ExportStage.latency(m.architecture(), platform, st.budgetMs(),
          s.settings().measurement().gate(platform), s.settings().budgetMargin(), derived);
      if (!v.withinBudget()) {
        // never ship a network measured over its budget
        throw new InvalidInputException("budget-margin", null, String.format(java.util.Locale.ROOT, "a network "
            + "within its budget: the trained network measured %s ms on %s against the %.4f ms budget (estimate "
            + "%.4f ms); a larger budget-margin leaves room for this machine's noise", java.util.Arrays.toString(
                v.measurementsMs()), s.hardware(), st.budgetMs(), v.estimatedMs()));
      }
      ExportStage.Onnx onnx = ExportStage.onnx(m, "s3nas search " + id, s.settings().onnxTolerance(), 4);
      ExportStage.write(onnx, dir.resolve("model.onnx"));
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("search_id", id);
      r.put("hardware", s.hardware());
      // where the platform was timed: this machine, or a cluster's device node (docs/cluster.md)
      r.put("latency_measured_on", platform instanceof io.s3nas.latency.MeasurableLatencyModel mm
          ? mm.describeMachine() : null);
      r.put("search_target_ms", st.targetMs());
      if (st.forkedFrom() != null) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("search_id", st.forkedFrom().searchId());
        f.put("event_seq", st.forkedFrom().eventSeq());
        f.put("checkpoint", st.forkedFrom().checkpointRef());
        f.put("at", st.forkedFrom().derived() ? "derived" : "warmup-end");
        r.put("forked_from", f);
      }
      r.putAll(v.fields());
      // the networks measured whole, against a measure-everything policy (docs/latency.md)
      r.put("latency_measurements", ExportStage.measurements(dir, v));
      r.put("onnx_max_abs_difference", onnx.maxAbsDifference());
      r.put("top1", m.info().get("test_top1"));
      r.put("block_strings", m.architecture().blockStrings());
      r.put("files", Map.of("model", dir.resolve("model.s3model").toString(), "onnx",
          dir.resolve("model.onnx").toString(), "result", dir.resolve("result.json").toString(), "report",
          dir.resolve("report.html").toString()));
      Map<String, Double> seconds = new LinkedHashMap<>(); // in the pipeline's order
      for (Stage stage : Stage.values()) {
        Double secs = st.stageSeconds().get(stage.name().toLowerCase(java.util.Locale.ROOT));
        if (secs != null) {
          seconds.put(stage.name().toLowerCase(java.util.Locale.ROOT), secs);
        }
      }
      seconds.put("export", (System.nanoTime() - t0) / 1e9);
      // the stages follow one another: their sum is the search's wall time from submission (a pause included)
      r.put("wall_seconds", seconds.values().stream().mapToDouble(Double::doubleValue).sum());
      r.put("stage_seconds", seconds);
      // what each stage cost, from the journal's ledger (docs/design.md, "Cost ledger"), with this export
      r.put("cost", st.cost().json(Stage.EXPORT, (System.nanoTime() - t0) / 1e9, CostMeter.processCpuSeconds() - cpu0));
      // each run's last checkpoint read once: the report's curves, the decision trace and the explanation
      CheckpointStore store = new CheckpointStore(dataDir.resolve("checkpoints"));
      TensorArchive supernet = store.latestArchive(ForkOrigin.supernetRun(id, st.forkedFrom())).orElse(null);
      TensorArchive fin = store.latestArchive(id + "-final").orElse(null);
      writeExplanation(s, dir, supernet);
      Map<String, List<List<String>>> archs = new LinkedHashMap<>();
      for (String[] f : new String[][] {{"derived (searched at the target)", "derived_model.json"},
          {"scaled to the budget", "scaled_model.json"}, {"final (post-processed)", "postprocessed_model.json"}}) {
        if (Files.exists(dir.resolve(f[1]))) {
          archs.put(f[0], Architecture.of(ModelJson.read(dir.resolve(f[1])), f[1]).blockStrings());
        }
      }
      SearchReport.write(dir, new SearchReport.Input(r, seconds, st.targetMs(), st.budgetMs(),
          logColumn(supernet, "loss"), logColumn(supernet, "ms"), logColumn(supernet, "val_top1"),
          decisions(s, supernet), logColumn(fin, "loss"), logColumn(fin, "eval_top1"),
          archs, List.of("candidates.png", "scaling.json", "postprocess.json")));
      String json = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r);
      AtomicFiles.writeString(dir.resolve("result.json"), json + "\n");
      return new SearchSupervisor.Exported(MAPPER.writeValueAsString(r), noReply);
    }
  }
}
