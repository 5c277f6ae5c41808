package io.s3nas.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Dataset;
import io.s3nas.data.Datasets;
import io.s3nas.data.FashionMnist;
import io.s3nas.data.Normalization;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.train.FinalTraining;
import io.s3nas.train.ModelFile;
import io.s3nas.train.TrainingSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code s3nas train}: final training of an architecture (docs/method.md §6.3), test top-1, saved model. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a final architecture with the final-training recipe, report test top-1 and save the model.")
public final class TrainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin DatasetOptions datasets;
  @Spec CommandSpec spec;

  @Option(names = "--arch", required = true, paramLabel = "FILE",
      description = "Architecture model JSON (e.g. derived_model.json)")
  String arch;
  @Option(names = "--epochs", defaultValue = "20",
      description = "Training epochs (default ${DEFAULT-VALUE}; the paper's 350-epoch schedule is compressed to them)")
  double epochs;
  @Option(names = "--train-limit", defaultValue = "0",
      description = "Use only the first N training images (0 = all)")
  int trainLimit;
  @Option(names = "--test-limit", defaultValue = "0",
      description = "Evaluate only the first N test images (0 = all)")
  int testLimit;
  @Option(names = "--batch", defaultValue = "128") int batch;
  @Option(names = "--threads", defaultValue = "2") int threads;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--lr", description = "Peak learning rate (default 0.016 x batch / 256)") Double lr;
  @Option(names = "--dropout", defaultValue = "0.2",
      description = "Dropout before the classifier (default ${DEFAULT-VALUE}, the paper's)")
  double dropout;
  @Option(names = "--drop-connect", defaultValue = "0.2",
      description = "Drop-connect of the last block, ramped over the blocks (default ${DEFAULT-VALUE}, the paper's)")
  double dropConnect;
  @Option(names = "--out", defaultValue = "runs/train/model.s3model", paramLabel = "FILE") Path out;
  @Option(names = "--checkpoint-every", defaultValue = "200",
      description = "Steps between checkpoints (default ${DEFAULT-VALUE}); they go beside --out in checkpoints/")
  int checkpointEvery;
  @Option(names = "--resume",
      description = "Continue from the latest checkpoint (same settings required)")
  boolean resume;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    if (!(epochs > 0) || batch < 1 || threads < 1 || trainLimit < 0 || testLimit < 0 || (lr != null && !(lr > 0))
        || checkpointEvery < 1 || !(dropout >= 0 && dropout < 1) || !(dropConnect >= 0 && dropConnect < 1)) {
      throw new InvalidInputException("options", null, "expected --epochs > 0, --batch >= 1, --threads >= 1, "
          + "--train-limit >= 0, --test-limit >= 0, --checkpoint-every >= 1, --lr > 0 and --dropout, "
          + "--drop-connect in [0, 1)");
    }
    ModelSpec model = common.model(arch, "--arch");
    Architecture architecture = Architecture.of(model, arch);
    FashionMnist.Splits data = datasets.load(model, arch, seed);
    Dataset train = trainLimit > 0 ? data.train().head(trainLimit) : data.train();
    Dataset test = testLimit > 0 ? data.test().head(testLimit) : data.test();
    if (train.size() < batch) {
      throw new InvalidInputException("--batch", null, "the training set has " + train.size()
          + " images, fewer than one batch of " + batch);
    }
    TrainingSettings defaults = TrainingSettings.defaults(epochs, batch, threads, seed);
    TrainingSettings settings = (lr == null ? defaults : defaults.withLearningRate(lr))
        .withRegularization(dropout, dropConnect);
    Normalization norm = train.statistics();
    Augmentation aug = Datasets.augmentation(datasets.dataset);
    ObjectNode identity = new ObjectMapper().createObjectNode();
    identity.put("arch", CheckpointStore.sha256(ModelJson.format(architecture.spec()).getBytes(StandardCharsets.UTF_8)));
    identity.put("dataset", datasets.dataset);
    identity.put("augmentation", aug.toString());
    identity.put("train_images", train.size());
    identity.set("settings", new ObjectMapper().valueToTree(settings));
    Path dir = out.toAbsolutePath().getParent().resolve("checkpoints");
    RunCheckpoints ck = new RunCheckpoints(new CheckpointStore(dir), out.getFileName().toString(), checkpointEvery,
        identity, resume);
    FinalTraining.Result r;
    int steps = (int) Math.max(1, Math.round(epochs * (train.size() / batch)));
    try (ProgressBar bar = LatencyCommand.bar("train", steps)) {
      r = FinalTraining.run(architecture, train, test, norm, aug, settings, ck, p -> {
        bar.stepTo(p.step());
        bar.setExtraMessage(String.format(" loss %.3f lr %.5f", p.last().loss(), p.last().learningRate()));
      });
    }
    ModelFile.write(r.model(), out);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("arch", arch);
    o.put("dataset", datasets.dataset);
    o.put("epochs", epochs);
    o.put("steps", r.steps());
    o.put("train_images", train.size());
    o.put("test_images", test.size());
    o.put("test_top1", r.testTop1());
    o.put("final_loss", r.log().get(r.log().size() - 1).loss());
    o.put("params", architecture.cost().params());
    o.put("model", out.toString());
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.of(o));
    } else {
      pw.printf("test top-1 %.2f%% on %d images after %d steps (%.1f epochs of %d images); model written to %s%n",
          100 * r.testTop1(), test.size(), r.steps(), epochs, train.size(), out);
    }
    return 0;
  }
}
