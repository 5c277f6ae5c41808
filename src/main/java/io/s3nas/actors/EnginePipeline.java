package io.s3nas.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Dataset;
import io.s3nas.data.Datasets;
import io.s3nas.data.FashionMnist;
import io.s3nas.data.Normalization;
import io.s3nas.data.Splits;
import io.s3nas.export.OnnxExporter;
import io.s3nas.export.OnnxRuntimeCheck;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.HardwareRegistry;
import io.s3nas.latency.LatencyCheck;
import io.s3nas.latency.LatencyModel;
import io.s3nas.latency.MeasurableLatencyModel;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.nn.infer.InferenceNet;
import io.s3nas.nn.infer.TrainedWeights;
import io.s3nas.postprocess.Change;
import io.s3nas.postprocess.DecisionRule;
import io.s3nas.postprocess.LatencyCost;
import io.s3nas.postprocess.PostProcessor;
import io.s3nas.report.DecisionTrace;
import io.s3nas.report.SearchReport;
import io.s3nas.scaling.CandidatePlot;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.search.SearchSettings;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.space.Architecture;
import io.s3nas.space.BlockOutcome;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import io.s3nas.train.FinalTraining;
import io.s3nas.train.ModelFile;
import io.s3nas.train.TrainedModel;
import io.s3nas.train.TrainingSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
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

  public EnginePipeline(Path confDir, Path dataDir, Path runDir, int checkpointEvery) {
    this.confDir = confDir;
    this.dataDir = dataDir;
    this.runDir = runDir;
    this.checkpointEvery = checkpointEvery;
  }

  @Override
  public StageWorker.Job job(String id, SearchSupervisor.Running st, ActorRef<SearchSupervisor.Command> self,
                             ActorRef<StatusReply<Done>> noReply) {
    Stages s = new Stages(id, st, self, noReply);
    return switch (st.stage()) {
      case LATENCY_TABLE -> c -> s.latency();
      case SUPERNET -> s::supernet;
      case SCALING -> c -> s.scaling();
      case POST_PROCESSING -> c -> s.postProcessing();
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

    Stages(String id, SearchSupervisor.Running st, ActorRef<SearchSupervisor.Command> self,
           ActorRef<StatusReply<Done>> noReply) {
      this.id = id;
      this.st = st;
      this.self = self;
      this.noReply = noReply;
    }

    private ModelSpec supernetSpec(SearchSpec s) {
      Path p = Path.of(s.supernet());
      return ModelJson.read(Files.isRegularFile(p) ? p : confDir.resolve("supernets").resolve(s.supernet() + ".json"));
    }

    private LatencyModel platform(SearchSpec s) {
      return HardwareRegistry.load(confDir.resolve("hardware")).model(s.hardware());
    }

    private Path out(String id) {
      try {
        return Files.createDirectories(runDir.resolve(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    SearchSupervisor.Command latency() {
      SearchSpec s = st.spec();
      SearchSpace space = SearchSpace.of(supernetSpec(s));
      NetworkLatency nl = NetworkLatency.of(space, platform(s));
      if (s.searchTargetMs() < nl.minMs()) {
        throw new InvalidInputException("search-target-ms", null, String.format("a target the supernet can "
            + "meet: its fastest architecture is %.4f ms on %s, the target %.4f ms", nl.minMs(), s.hardware(),
            s.searchTargetMs()));
      }
      return new SearchSupervisor.LatencyReady(s.hardware(), nl.minMs(), nl.maxMs(), noReply);
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
      return new RunCheckpoints(new CheckpointStore(dataDir.resolve("checkpoints")), id + "-" + stage, checkpointEvery,
          identity(s, stage), true);
    }

    SearchSupervisor.Command supernet(AtomicBoolean cancelled) throws IOException {
      SearchSpec s = st.spec();
      ModelSpec sup = supernetSpec(s);
      SearchSpace space = SearchSpace.of(sup);
      NetworkLatency latency = NetworkLatency.of(space, platform(s));
      Splits.TrainValidation split = Splits.holdOut(data(s, sup, s.supernet(), false).train(), 0.1, s.seed());
      int perEpoch = split.train().size() / s.batch();
      int warmup = (int) Math.round(s.warmupEpochs() * perEpoch);
      int search = (int) Math.round(s.searchEpochs() * perEpoch);
      // short CPU runs move the thresholds 20x faster than the paper's single optimiser (docs/cli.md)
      SearchSettings settings = SearchSettings.defaults(s.batch(), s.searchTargetMs(), 2, s.seed())
          .withThresholdLrScale(20);
      RunCheckpoints ck = checkpoints(id, "supernet", s);
      Normalization norm = split.train().statistics();
      SinglePathSearch.Result r = SinglePathSearch.run(space, latency, split.train(), split.validation(), norm,
          Datasets.augmentation(s.dataset()), settings, warmup, search, ck, p -> {
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
      ModelJson.write(r.architecture().spec(), out(id).resolve("derived_model.json"));
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

    SearchSupervisor.Command scaling() throws IOException {
      SearchSpec s = st.spec();
      LatencyModel model = platform(s);
      Supplier<LatencyModel> sweep = model instanceof MeasuredLatencyModel m ? () -> m.predictingView(64) : () -> model;
      Architecture derived = architecture("derived architecture");
      double derivedMs = new FixedLatency(sweep.get()).totalMs(derived);
      if (derivedMs > s.budgetMs()) {
        // scaling only grows a network: say what to change in the search, not in the scaling
        throw new InvalidInputException("search-epochs", null, String.format("a search that reaches its target: it "
            + "derived a %.3f ms network on %s, above the %.3f ms budget (target %.3f ms); give it more "
            + "search-epochs or a lower search-target-ms", derivedMs, s.hardware(), s.budgetMs(), s.searchTargetMs()));
      }
      ScalingSearch.Result r = ScalingSearch.run(derived, sweep,
          model instanceof MeasurableLatencyModel ? model : null, s.budgetMs(), ScalingSearch.Size.MACS,
          ScalingSearch.Grid.standard().withDepthLists(ScalingSearch.Grid.stageIncrements(derived, 1)));
      ModelJson.write(r.architecture().spec(), out(id).resolve("scaled_model.json"));
      CandidatePlot.write(out(id).resolve("scaling-candidates.png"), r);
      var c = r.chosen().scaling();
      double ms = Double.isNaN(r.verifiedMs()) ? r.chosen().latencyMs() : r.verifiedMs();
      return new SearchSupervisor.Scaled(r.architecture().blockStrings(), ModelJson.format(r.architecture().spec()),
          c.width(), c.depth(), c.resolution(), ms, noReply);
    }

    SearchSupervisor.Command postProcessing() throws IOException {
      SearchSpec s = st.spec();
      Architecture base = architecture("scaled architecture");
      FashionMnist.Splits d = data(s, base.spec(), "the scaled network", true);
      Dataset probeSet = d.train().head(Math.min(d.train().size(), 3000));
      Splits.TrainValidation split = Splits.holdOut(probeSet, 0.2, s.seed());
      Normalization norm = split.train().statistics();
      TrainingSettings probe = TrainingSettings.defaults(0.5, Math.min(s.batch(), 64), 2, s.seed());
      List<Change> changes = new ArrayList<>();
      int last = base.spec().stages().size() - 1;
      changes.add(Change.se(last, 0.25));
      changes.add(Change.hswishGlobal());
      LatencyModel model = platform(s);
      LatencyCost cost = new LatencyCost(model);
      PostProcessor.Result r = PostProcessor.run(base, changes, cost, s.budgetMs(), DecisionRule.DEFAULT, a -> {
        FinalTraining.Result t = FinalTraining.run(a, split.train(), split.validation(), norm, Augmentation.NONE, probe,
            p -> {});
        return new PostProcessor.Probe(t.testTop1(), t.model());
      }, split.validation(), 0.25);
      ModelJson.write(r.result().spec(), out(id).resolve("postprocessed_model.json"));
      MAPPER.writerWithDefaultPrettyPrinter().writeValue(out(id).resolve("postprocess.json").toFile(),
          Map.of("rule", r.rule().describe(), "decisions", r.decisions(), "rmse_ranking", r.seRanking()));
      List<String> kept = r.decisions().stream().filter(PostProcessor.Decision::kept).map(x -> x.change().label())
          .toList();
      return new SearchSupervisor.PostProcessed(r.result().blockStrings(), ModelJson.format(r.result().spec()), kept,
          r.finalMs(), noReply);
    }

    SearchSupervisor.Command finalTraining(AtomicBoolean cancelled) throws IOException {
      SearchSpec s = st.spec();
      Architecture arch = architecture("post-processed architecture");
      FashionMnist.Splits d = data(s, arch.spec(), "the final network", true);
      TrainingSettings settings = TrainingSettings.defaults(s.finalEpochs(), s.batch(), 2, s.seed());
      RunCheckpoints ck = checkpoints(id, "final", s);
      FinalTraining.Result r = FinalTraining.run(arch, d.train(), d.test(), d.train().statistics(),
          Datasets.augmentation(s.dataset()), settings, ck, p -> {
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
      ModelFile.write(r.model(), out(id).resolve("model.s3model"));
      return new SearchSupervisor.FinalTrainingProgressed(r.steps(), r.steps(), r.log().get(r.log().size() - 1).loss(),
          ck.store().latest(ck.run()).orElse(null), noReply);
    }

    SearchSupervisor.Command export() throws IOException {
      long t0 = System.nanoTime();
      SearchSpec s = st.spec();
      Path dir = out(id);
      TrainedModel m = ModelFile.read(dir.resolve("model.s3model"));
      TrainedWeights w = new TrainedWeights(m.tensors(), m.bnEpsilon());
      byte[] onnx = OnnxExporter.network(m.architecture(), w, m.normalization(), "s3nas search " + id);
      double diff = OnnxRuntimeCheck.maxAbsDifference(onnx, InferenceNet.of(m.architecture(), w), 4, 1);
      if (!(diff <= 1e-4)) {
        throw new IllegalStateException("ONNX export differs from ND4J by " + diff);
      }
      Files.write(dir.resolve("model.onnx"), onnx);
      LatencyModel model = platform(s);
      double estimated = NetworkLatency.estimate(m.architecture(), model).totalMs();
      LatencyCheck check = model instanceof MeasurableLatencyModel mm ? LatencyCheck.of(mm, m.architecture(), estimated)
          : null;
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("search_id", id);
      r.put("hardware", s.hardware());
      r.put("budget_ms", s.budgetMs());
      r.put("search_target_ms", s.searchTargetMs());
      r.put("estimated_latency_ms", estimated);
      if (check != null) {
        r.putAll(check.fields());
      } else {
        r.put("measured_latency_ms", null);
      }
      r.put("top1", m.info().get("test_top1"));
      r.put("block_strings", m.architecture().blockStrings());
      r.put("files", Map.of("model", dir.resolve("model.s3model").toString(), "onnx",
          dir.resolve("model.onnx").toString(), "result", dir.resolve("result.json").toString(), "report",
          dir.resolve("report.html").toString()));
      Map<String, Double> seconds = new LinkedHashMap<>(st.stageSeconds());
      seconds.put("export", (System.nanoTime() - t0) / 1e9);
      r.put("stage_seconds", seconds);
      Map<String, List<List<String>>> archs = new LinkedHashMap<>();
      for (String[] f : new String[][] {{"derived (searched at the target)", "derived_model.json"},
          {"scaled to the budget", "scaled_model.json"}, {"final (post-processed)", "postprocessed_model.json"}}) {
        if (Files.exists(dir.resolve(f[1]))) {
          archs.put(f[0], Architecture.of(ModelJson.read(dir.resolve(f[1])), f[1]).blockStrings());
        }
      }
      SearchReport.write(dir, new SearchReport.Input(r, seconds, s.searchTargetMs(), s.budgetMs(),
          logColumn(id + "-supernet", "loss"), logColumn(id + "-supernet", "ms"),
          logColumn(id + "-supernet", "val_top1"), decisions(s), logColumn(id + "-final", "loss"),
          logColumn(id + "-final", "eval_top1"),
          archs, List.of("scaling-candidates.png", "postprocess.json")));
      String json = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r);
      Files.writeString(dir.resolve("result.json"), json + "\n", StandardCharsets.UTF_8);
      return new SearchSupervisor.Exported(MAPPER.writeValueAsString(r), noReply);
    }
  }
}
