package io.s3nas.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.TestImages;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.InvalidInputException;
import io.s3nas.data.Augmentation;
import io.s3nas.data.Batch;
import io.s3nas.data.BatchStream;
import io.s3nas.data.FashionMnist;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Final training on generated learnable images, and the saved-model file. */
class FinalTrainingTest {
  @TempDir Path tmp;

  static final String NET = """
      {"img_size": 8, "img_c": 1, "n_classes": 10,
       "first_conv": {"cls": "Conv2D", "output_filters": 8, "kernel_size": 3, "strides": 1},
       "stages_args": ["r1_k3,5_s11_e2,1_i8_o8_c100_se0.25", "r1_k3_s22_e4_i8_o16_c15_hsw"],
       "feature_mix_layer": {"cls": "Conv2D", "output_filters": 32, "kernel_size": 1}}
      """;

  static Architecture arch() {
    return Architecture.of(ModelJson.parse(NET, "net"), "net");
  }

  FinalTraining.Result train(long seed) throws IOException {
    FashionMnist.Splits d = FashionMnist.load(TestImages.learnableFashion(tmp.resolve("data"), 400, 8, 3));
    // the paper's recipe, but BN statistics with momentum 0.9: at 0.99 the running averages of a
    // 150-step run still carry a fifth of their initial values
    TrainingSettings s = new TrainingSettings(6, 16, 0.04, 6 * 5 / 350.0, 0.97, 6 * 2.4 / 350, 0.9, 0.9, 1e-3, 1e-5,
        0.1, 0.9999, 0.2, 0.2, 0.9, 1e-3, 2, seed);
    List<FinalTraining.Progress> seen = new ArrayList<>();
    FinalTraining.Result r = FinalTraining.run(arch(), d.train(), d.test(), d.train().statistics(), Augmentation.NONE,
        s, seen::add);
    assertEquals(r.steps(), seen.size());
    return r;
  }

  @Test
  void learnsAndTheAveragedNetworkGeneralises() throws IOException {
    FinalTraining.Result r = train(1);
    assertEquals(6 * (400 / 16), r.steps());
    double first = r.log().subList(0, 10).stream().mapToDouble(FinalTraining.Log::crossEntropy).average().orElseThrow();
    double last = r.log().subList(r.log().size() - 10, r.log().size()).stream()
        .mapToDouble(FinalTraining.Log::crossEntropy).average().orElseThrow();
    assertTrue(last < first * 0.5, "top-1 " + r.testTop1() + ", cross entropy " + first + " -> " + last);
    assertTrue(r.testTop1() >= 0.9, "test top-1 " + r.testTop1());
    // warm-up rises from 0, then the staircase decays below the peak
    assertEquals(0.0, r.log().get(0).learningRate());
    assertTrue(r.log().get(r.log().size() - 1).learningRate() < 0.04 * 0.2);
  }

  @Test
  void savedModelsLoadToTheSameNetwork() throws IOException {
    FinalTraining.Result r = train(2);
    Path file = tmp.resolve("m/model.s3model");
    ModelFile.write(r.model(), file);
    TrainedModel back = ModelFile.read(file);
    assertEquals(ModelJson.format(r.model().architecture().spec()), ModelJson.format(back.architecture().spec()));
    assertArrayEquals(r.model().normalization().mean(), back.normalization().mean());
    assertEquals(r.testTop1(), (double) back.info().get("test_top1"));
    FashionMnist.Splits d = FashionMnist.load(tmp.resolve("data"));
    Batch b = new BatchStream(d.test(), 32, 0, back.normalization(), Augmentation.NONE).sequential(0);
    float[] a = r.model().toNet(1).forward(b.nhwc(), b.size(), false, null);
    float[] c = back.toNet(2).forward(b.nhwc(), b.size(), false, null);
    assertArrayEquals(a, c, 1e-5f);
    double top1 = FinalTrainer.accuracy(back.toNet(2), d.test(), back.normalization(), 64);
    assertEquals(r.testTop1(), top1, 1e-9, "the saved model is the evaluated (EMA) network");
  }

  static final class Crash extends RuntimeException {}

  FinalTraining.Result checkpointed(Path store, boolean resume, int crashAfter) throws IOException {
    FashionMnist.Splits d = FashionMnist.load(TestImages.learnableFashion(tmp.resolve("data"), 96, 8, 3));
    TrainingSettings s = TrainingSettings.defaults(2, 16, 2, 4);
    RunCheckpoints ck = new RunCheckpoints(new CheckpointStore(store), "train", 4,
        new ObjectMapper().createObjectNode().put("arch", "net"), resume);
    return FinalTraining.run(arch(), d.train(), d.test(), d.train().statistics(), new Augmentation(1, false), s, ck, p -> {
      if (p.step() == crashAfter) {
        throw new Crash();
      }
    });
  }

  @Test
  void resumedTrainingMatchesTheUninterruptedOne() throws IOException {
    FinalTraining.Result whole = checkpointed(tmp.resolve("a"), false, -1);
    assertThrows(Crash.class, () -> checkpointed(tmp.resolve("b"), false, 6));
    FinalTraining.Result resumed = checkpointed(tmp.resolve("b"), true, -1);
    assertEquals(12, whole.log().size());
    for (int i = 0; i < 12; i++) {
      double a = whole.log().get(i).loss();
      assertEquals(a, resumed.log().get(i).loss(), 1e-5 * Math.abs(a), "loss at step " + i);
    }
    whole.model().tensors().forEach((k, v) -> assertArrayEquals(v, resumed.model().tensors().get(k), 1e-6f, k));
    assertEquals(whole.testTop1(), resumed.testTop1(), 1e-12);
  }

  @Test
  void aCheckpointFromBeforeTheEvaluationCurveStillResumes() throws IOException {
    FinalTraining.Result whole = checkpointed(tmp.resolve("a2"), false, -1);
    assertThrows(Crash.class, () -> checkpointed(tmp.resolve("b2"), false, 6));
    // what an earlier version wrote: the same checkpoint without the eval_top1 column
    CheckpointStore store = new CheckpointStore(tmp.resolve("b2"));
    String ref = store.latest("train").orElseThrow();
    TensorArchive a = TensorArchive.fromBytes(store.get(ref), ref);
    java.util.Map<String, double[]> d = new java.util.LinkedHashMap<>(a.doubles());
    assertTrue(d.remove("log:eval_top1") != null);
    store.pointTo("train", store.put(new TensorArchive(a.meta(), a.floats(), d).toBytes()));
    FinalTraining.Result resumed = checkpointed(tmp.resolve("b2"), true, -1);
    assertTrue(Double.isNaN(resumed.log().get(3).evalTop1()), "no curve point where none was logged");
    assertEquals(whole.log().get(7).evalTop1(), resumed.log().get(7).evalTop1(), 1e-12, "new points after the resume");
    assertEquals(whole.testTop1(), resumed.testTop1(), 1e-12);
  }

  @Test
  void damagedOrForeignFilesAreRejectedWithTheirName() throws IOException {
    FinalTraining.Result r = train(3);
    Path file = tmp.resolve("model.s3model");
    ModelFile.write(r.model(), file);
    byte[] bytes = Files.readAllBytes(file);
    Path cut = tmp.resolve("cut.s3model");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelFile.read(cut));
    assertTrue(e.getMessage().contains("cut.s3model"), e.getMessage());
    Path other = tmp.resolve("other.json");
    Files.writeString(other, "{}");
    assertThrows(InvalidInputException.class, () -> ModelFile.read(other));
    assertThrows(InvalidInputException.class, () -> ModelFile.read(tmp.resolve("missing.s3model")));
  }
}
