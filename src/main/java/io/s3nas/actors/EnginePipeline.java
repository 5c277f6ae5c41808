package io.s3nas.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.AtomicFiles;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Dataset;
import io.s3nas.data.Datasets;
import io.s3nas.data.FashionMnist;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.postprocess.DecisionRule;
import io.s3nas.postprocess.PostProcessor;
import io.s3nas.report.DecisionTrace;
import io.s3nas.report.SearchReport;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockOutcome;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import io.s3nas.stages.ExportStage;
import io.s3nas.stages.FinalData;
import io.s3nas.stages.FinalTrainingStage;
import io.s3nas.stages.LatencyStage;
import io.s3nas.stages.PhaseLength;
import io.s3nas.stages.PipelineSettings;
import io.s3nas.stages.PostprocessStage;
import io.s3nas.stages.ScalingStage;
import io.s3nas.stages.SupernetStage;
import io.s3nas.train.FinalTraining;
import io.s3nas.train.ModelFile;
import io.s3nas.train.TrainedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The real stages of a search (design.md "The pipeline"), each a call into the engine: profile or
 * load the latency table, warm up and search the supernet (checkpointed), scale the derived network
 * to the budget, post-process it, train it (checkpointed), export and verify it and write
 * {@code result.json}. Checkpoints live under {@code <data-dir>/checkpoints}, outputs under
 * {@code <run-dir>}; both are named by the search id, so a restarted stage continues its own run.
 */
public final class EnginePipeline implements Pipeline {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Path confDir;
  private final Path dataDir;
  private final Path runDir;
  private final int checkpointEvery;
  private final org.apache.pekko.actor.typed.javadsl.ActorContext<SearchSupervisor.Command> ctx;
  /** The latency estimator of each platform this search has asked for, children of the supervisor. */
  private final Map<String, ActorRef<LatencyEstimator.Command>> estimators = new java.util.HashMap<>();

  /** A pipeline whose stages build their platforms themselves (no estimator actor). */
  public EnginePipeline(Path confDir, Path dataDir, Path runDir, int checkpointEvery) {
    this(confDir, dataDir, runDir, checkpointEvery, null);
  }

  /**
   * A pipeline whose stages ask a {@link LatencyEstimator} child of the supervisor for every timed
   * latency operation, so no two of them time the device at once.
   */
  public EnginePipeline(Path confDir, Path dataDir, Path runDir, int checkpointEvery,
                        org.apache.pekko.actor.typed.javadsl.ActorContext<SearchSupervisor.Command> ctx) {
    this.confDir = confDir;
    this.dataDir = dataDir;
    this.runDir = runDir.toAbsolutePath(); // result.json names files a server in another folder can find
    this.checkpointEvery = checkpointEvery;
    this.ctx = ctx;
  }

  /** The platform's estimator (spawned on first need; called on the supervisor's thread). */
  private ActorRef<LatencyEstimator.Command> estimator(String hardware) {
    return estimators.computeIfAbsent(hardware, hw -> ctx.spawn(LatencyEstimator.create(
        () -> HardwareRegistry.load(confDir.resolve("hardware")).model(hw)), "latency-estimator-" + hw));
  }

  @Override
  public StageWorker.Job job(String id, SearchSupervisor.Running st, ActorRef<SearchSupervisor.Command> self,
                             ActorRef<StatusReply<Done>> noReply) {
    ActorRef<LatencyEstimator.Command> est = ctx == null || st.stage() == Stage.DONE ? null
        : estimator(st.spec().hardware());
    Stages s = new Stages(id, st, self, noReply, est);
    return switch (st.stage()) {
      case LATENCY_TABLE -> c -> s.latency();
      case SUPERNET -> s::supernet;
      case SCALING -> c -> s.scaling();
      case POST_PROCESSING -> s::postProcessing;
      case FINAL_TRAINING -> s::finalTraining;
      case EXPORT -> c -> s.export();
      case DONE -> null;
    };
  }

  /** The stages of one search in one state. */
  private final class Stages {
    private final String id;
    private final SearchSupervisor.Running st;
    private final ActorRef<SearchSupervisor.Command> self;
    private final ActorRef<StatusReply<Done>> noReply;
    private final ActorRef<LatencyEstimator.Command> estimator;

    Stages(String id, SearchSupervisor.Running st, ActorRef<SearchSupervisor.Command> self,
           ActorRef<StatusReply<Done>> noReply, ActorRef<LatencyEstimator.Command> estimator) {
      this.id = id;
      this.st = st;
      this.self = self;
      this.noReply = noReply;
      this.estimator = estimator;
    }

    private ModelSpec supernetSpec(SearchSpec s) {
      Path p = Path.of(s.supernet());
      return ModelJson.read(Files.isRegularFile(p) ? p : confDir.resolve("supernets").resolve(s.supernet() + ".json"));
    }

    /**
     * The search's platform: asked of its estimator (timed work through its queue) when the pipeline
     * runs under a supervisor, built directly otherwise.
     */
    private LatencyModel platform(SearchSpec s) {
      if (estimator == null) {
        return HardwareRegistry.load(confDir.resolve("hardware")).model(s.hardware());
      }
      org.apache.pekko.actor.typed.Scheduler scheduler = ctx.getSystem().scheduler();
      LatencyModel model;
      try {
        StatusReply<LatencyModel> r = org.apache.pekko.actor.typed.javadsl.AskPattern
            .<LatencyEstimator.Command, StatusReply<LatencyModel>>ask(estimator, LatencyEstimator.GetModel::new,
                EstimatorClient.TIMEOUT, scheduler).toCompletableFuture().get();
        if (r.isError()) {
          Throwable e = r.getError();
          throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
        model = r.getValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("the latency estimator did not answer: " + e.getMessage(), e);
      }
      return model instanceof io.s3nas.latency.MeasurableLatencyModel m ? new EstimatorClient(m, estimator, scheduler)
          : model;
    }

    private Path out(String id) {
      try {
        Path base = st.spec().runDir() != null ? Path.of(st.spec().runDir()) : runDir;
        return Files.createDirectories(base.resolve(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    SearchSupervisor.Command latency() {
      SearchSpec s = st.spec();
      PipelineSettings p = s.settings();
      LatencyStage.Result r = LatencyStage.run(new LatencyStage.Request(SearchSpace.of(supernetSpec(s)), s.budgetMs(),
          s.budgetFraction(), s.searchTargetMs(), s.searchTargetFraction(), p.calibrationNetworks(),
          p.calibrationHeldOut(), s.seed()), platform(s));
      double band = r.calibration() == null ? Double.NaN : r.calibration().relativeBand();
      return new SearchSupervisor.LatencyReady(s.hardware(), r.minMs(), r.maxMs(), r.budgetMs(), r.targetMs(), band,
          noReply);
    }

    private FashionMnist.Splits data(SearchSpec s, ModelSpec m, String name, boolean resize) {
      FashionMnist.Splits d = Datasets.load("dataset", s.dataset(), s.dataPath() == null ? null : Path.of(s.dataPath()),
          m.imgSize(), m.imgChannels(), m.numClasses(), name, s.seed(), resize);
      Dataset train = s.trainLimit() > 0 ? d.train().head(s.trainLimit()) : d.train();
      return new FashionMnist.Splits(train, d.test());
    }

    private ObjectNode identity(SearchSpec s, String stage) {
      ObjectNode n = MAPPER.valueToTree(s);
      n.put("stage", stage);
      return n;
    }

    private RunCheckpoints checkpoints(String id, String stage, SearchSpec s) {
      // the journal's last checkpoint reference is tried too: a lost pointer file never restarts from 0
      return new RunCheckpoints(new CheckpointStore(dataDir.resolve("checkpoints")), id + "-" + stage, checkpointEvery,
          identity(s, stage), true, RunCheckpoints.KEEP, st.checkpointRef());
    }

    SearchSupervisor.Command supernet(AtomicBoolean cancelled) {
      SearchSpec s = st.spec();
      ModelSpec sup = supernetSpec(s);
      SearchSpace space = SearchSpace.of(sup);
      NetworkLatency latency = NetworkLatency.of(space, platform(s));
      RunCheckpoints ck = checkpoints(id, "supernet", s);
      SinglePathSearch.Result r = SupernetStage.run(new SupernetStage.Request(space, data(s, sup, s.supernet(), false)
              .train(), s.settings().validationShare(), Datasets.augmentation(s.dataset()),
          SupernetStage.settings(s.settings(), s.batch(), st.targetMs(), s.seed()), s.warmupEpochs(),
          s.searchEpochs()), latency, ck, p -> {
            if (cancelled.get()) {
              throw new CancellationException();
            }
            String phase = p.last().phase().name().toLowerCase(java.util.Locale.ROOT);
            self.tell(new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.SUPERNET, phase, p.step(), p.total(),
                p.last().loss(), p.last().expectedMs())));
            if (ck.due(p.step(), p.total())) {
              self.tell(new SearchSupervisor.SupernetProgressed(p.step(), p.total(), phase, p.last().loss(),
                  p.last().expectedMs(), ck.store().latest(ck.run()).orElse(null), noReply));
            }
          });
      SupernetStage.write(r, out(id));
      return new SearchSupervisor.Derived(r.architecture().blockStrings(), ModelJson.format(r.architecture().spec()),
          r.estimatedMs(), noReply);
    }

    /** A per-step log column of a stage's latest checkpoint (empty when there is none). */
    double[] logColumn(String run, String column) {
      CheckpointStore store = new CheckpointStore(dataDir.resolve("checkpoints"));
      return store.latest(run).map(ref -> TensorArchive.fromBytes(store.get(ref), ref))
          .filter(a -> a.doubles().containsKey("log:" + column))
          .map(a -> RunCheckpoints.column(a, column)).orElse(new double[0]);
    }

    /** The supernet's per-step block decisions from its latest checkpoint, with each outcome's latency. */
    DecisionTrace decisions(SearchSpec s) {
      CheckpointStore store = new CheckpointStore(dataDir.resolve("checkpoints"));
      Optional<String> ref = store.latest(id + "-supernet");
      if (ref.isEmpty()) {
        return DecisionTrace.EMPTY;
      }
      TensorArchive a = TensorArchive.fromBytes(store.get(ref.get()), ref.get());
      if (!a.doubles().containsKey("log:phase")) {
        return DecisionTrace.EMPTY; // a checkpoint from before decisions were logged
      }
      SearchSpace space = SearchSpace.of(supernetSpec(s));
      NetworkLatency nl = NetworkLatency.of(space, platform(s));
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

    SearchSupervisor.Command scaling() {
      SearchSpec s = st.spec();
      PipelineSettings p = s.settings();
      Architecture derived = architecture("derived architecture");
      ScalingStage.Result r = ScalingStage.run(new ScalingStage.Request(derived, st.budgetMs(), p.budgetMargin(),
          ScalingSearch.Size.MACS, ScalingStage.standardGrid(derived, p.scalingStageExtra(), p.scalingMaxMacs()), true), platform(s));
      ScalingStage.write(r, s.hardware(), out(id));
      try {
        io.s3nas.report.CandidatePlot.write(out(id).resolve("candidates.png"), r.search());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      var c = r.search().chosen().scaling();
      return new SearchSupervisor.Scaled(r.architecture().blockStrings(), ModelJson.format(r.architecture().spec()),
          c.width(), c.depth(), c.resolution(), r.estimatedMs(), r.measuredMs(), noReply);
    }

    private FinalData finalData(SearchSpec s, Architecture a) {
      FashionMnist.Splits d = Datasets.load("dataset", s.dataset(), s.dataPath() == null ? null : Path.of(s.dataPath()),
          a.spec().imgSize(), a.spec().imgChannels(), a.spec().numClasses(), "the network", s.seed(), true);
      return FinalData.of(d, s.trainLimit(), s.settings().probeImages(), s.seed());
    }

    SearchSupervisor.Command postProcessing(AtomicBoolean cancelled) {
      SearchSpec s = st.spec();
      PipelineSettings p = s.settings();
      Architecture base = architecture("scaled architecture");
      FinalData d = finalData(s, base);
      RunCheckpoints ck = checkpoints(id, "postprocess", s);
      PostprocessStage.Result r = PostprocessStage.run(new PostprocessStage.Request(base, p.postprocessChanges(),
          p.seRatio(), st.budgetMs(), p.budgetMargin(), new DecisionRule(p.minGainPoints(), p.pointsPerPercent()),
          p.probeMinTop1(), p.rmseRelative(), d.train(), d.probe(), d.norm(), Datasets.augmentation(s.dataset()),
          FinalTrainingStage.settings(p, PhaseLength.finalEpochs(s.finalEpochs(), d.train().size(), s.batch()),
              s.batch(), s.seed()), p.probeBaseShare(),
          p.probeArmShare()), platform(s), ck, x -> {
            if (cancelled.get()) {
              throw new CancellationException();
            }
            self.tell(new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.POST_PROCESSING, "probe", x.step(),
                x.total(), x.loss(), Double.NaN)));
          });
      PostprocessStage.write(r, s.hardware(), out(id));
      String warm = ck.store().put(r.warmStart().toBytes());
      List<String> kept = r.decisions().decisions().stream().filter(PostProcessor.Decision::kept)
          .map(x -> x.change().label()).toList();
      return new SearchSupervisor.PostProcessed(r.architecture().blockStrings(), ModelJson.format(r.architecture()
          .spec()), kept, r.decisions().finalCost().candidateMs(), warm, noReply);
    }

    SearchSupervisor.Command finalTraining(AtomicBoolean cancelled) {
      SearchSpec s = st.spec();
      Architecture arch = architecture("post-processed architecture");
      FinalData d = finalData(s, arch);
      RunCheckpoints ck = checkpoints(id, "final", s);
      CheckpointStore store = new CheckpointStore(dataDir.resolve("checkpoints"));
      TensorArchive warm = st.warmStartRef() == null ? null
          : TensorArchive.fromBytes(store.get(st.warmStartRef()), st.warmStartRef());
      FinalTraining.Result r = FinalTrainingStage.run(arch, d, Datasets.augmentation(s.dataset()),
          FinalTrainingStage.settings(s.settings(), PhaseLength.finalEpochs(s.finalEpochs(), d.train().size(),
              s.batch()), s.batch(), s.seed()), ck, warm, p -> {
            if (cancelled.get()) {
              throw new CancellationException();
            }
            self.tell(new SearchSupervisor.ReportLive(new LiveProgress(id, Stage.FINAL_TRAINING, "train", p.step(),
                p.total(), p.last().loss(), Double.NaN)));
            if (ck.due(p.step(), p.total()) && p.step() < p.total()) {
              self.tell(new SearchSupervisor.FinalTrainingProgressed(p.step(), p.total(), p.last().loss(),
                  ck.store().latest(ck.run()).orElse(null), noReply));
            }
          });
      FinalTrainingStage.write(r, out(id).resolve("model.s3model"));
      return new SearchSupervisor.FinalTrainingProgressed(r.steps(), r.steps(), r.log().get(r.log().size() - 1).loss(),
          ck.store().latest(ck.run()).orElse(null), noReply);
    }

    SearchSupervisor.Command export() throws IOException {
      long t0 = System.nanoTime();
      SearchSpec s = st.spec();
      Path dir = out(id);
      TrainedModel m = ModelFile.read(dir.resolve("model.s3model"));
      ExportStage.LatencyVerdict v = ExportStage.latency(m.architecture(), platform(s), st.budgetMs());
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
      r.put("search_target_ms", st.targetMs());
      r.putAll(v.fields());
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
      Map<String, List<List<String>>> archs = new LinkedHashMap<>();
      for (String[] f : new String[][] {{"derived (searched at the target)", "derived_model.json"},
          {"scaled to the budget", "scaled_model.json"}, {"final (post-processed)", "postprocessed_model.json"}}) {
        if (Files.exists(dir.resolve(f[1]))) {
          archs.put(f[0], Architecture.of(ModelJson.read(dir.resolve(f[1])), f[1]).blockStrings());
        }
      }
      SearchReport.write(dir, new SearchReport.Input(r, seconds, st.targetMs(), st.budgetMs(),
          logColumn(id + "-supernet", "loss"), logColumn(id + "-supernet", "ms"),
          logColumn(id + "-supernet", "val_top1"), decisions(s), logColumn(id + "-final", "loss"),
          logColumn(id + "-final", "eval_top1"),
          archs, List.of("candidates.png", "scaling.json", "postprocess.json")));
      String json = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r);
      AtomicFiles.writeString(dir.resolve("result.json"), json + "\n");
      return new SearchSupervisor.Exported(MAPPER.writeValueAsString(r), noReply);
    }
  }
}
