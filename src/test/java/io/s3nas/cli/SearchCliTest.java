package io.s3nas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code s3nas search}: the whole pipeline through the actors on the embedded journal, on a tiny supernet. */
class SearchCliTest {
  @TempDir Path tmp;

  @Test
  void runsTheWholePipelineAndReportsAFinishedSearchAgain() throws IOException {
    Path conf = TinySearch.config(tmp, "tiny-search", 96, 0.7,
        "warmup-epochs = 0.5\nsearch-epochs = 0.5\nfinal-epochs = 1\nbatch = 16\n");
    double budget = TinySearch.budgetMs(tmp);
    String[] args = {"search", "--config", conf.toString(), "--data-dir", tmp.resolve("state").toString(), "--run-dir",
        tmp.resolve("runs").toString(), "--checkpoint-every", "2"};
    CliTest.Result r = CliTest.run(args);
    assertEquals(0, r.code(), r.err());
    JsonNode res = new ObjectMapper().readTree(r.out());
    assertEquals("tiny-search", res.get("search_id").asText());
    assertTrue(res.get("estimated_latency_ms").asDouble() <= budget);
    assertEquals(budget, res.get("budget_ms").asDouble(), 1e-5); // the config holds it to 6 decimals
    assertTrue(res.get("within_budget").asBoolean(), "the verdict: " + res);
    assertTrue(res.get("measured_latency_ms").isNull(), "the analytical platform cannot be measured");
    // the reported top-1 is the shipped model's own, on the test images
    io.s3nas.train.TrainedModel shipped = io.s3nas.train.ModelFile.read(tmp.resolve("runs/tiny-search/model.s3model"));
    io.s3nas.space.ModelSpec ms = shipped.architecture().spec(); // scaling may have changed its resolution
    io.s3nas.data.Dataset test = io.s3nas.data.Datasets.load("data", "fashion-mnist", tmp.resolve("data"), ms.imgSize(),
        ms.imgChannels(), ms.numClasses(), "the network", 1, true).test();
    assertEquals(io.s3nas.train.FinalTrainer.accuracy(shipped.toNet(1), test, shipped.normalization(), 64),
        res.get("top1").asDouble(), 1e-12);
    double sum = 0;
    for (String stage : new String[] {"latency_table", "supernet", "scaling", "post_processing", "final_training",
        "export"}) {
      assertTrue(res.get("stage_seconds").get(stage).asDouble() > 0, stage);
      sum += res.get("stage_seconds").get(stage).asDouble();
    }
    assertEquals(sum, res.get("wall_seconds").asDouble(), 1e-6, "the stages follow one another");
    java.util.List<String> order = new java.util.ArrayList<>();
    res.get("stage_seconds").fieldNames().forEachRemaining(order::add);
    assertEquals(java.util.List.of("latency_table", "supernet", "scaling", "post_processing", "final_training",
        "export"), order, "in the pipeline's order");
    Path run = tmp.resolve("runs/tiny-search");
    for (String f : new String[] {"derived_model.json", "scaled_model.json", "postprocessed_model.json", "model.s3model",
        "model.onnx", "result.json", "report.html", "report-stages.png", "report-supernet-loss.png", "report-latency.png",
        "report-final-loss.png", "candidates.png", "candidates.csv", "scaling.json", "postprocess.json"}) {
      assertTrue(Files.exists(run.resolve(f)), f);
    }
    assertTrue(Files.list(tmp.resolve("state/checkpoints")).anyMatch(p -> p.toString().endsWith(".ckpt")));
    // one writer per artifact: s3nas scale on the search's derived network writes the same bytes
    CliTest.Result scale = CliTest.run("scale", "--arch", run.resolve("derived_model.json").toString(), "--hardware",
        "custom", "--budget-ms", String.valueOf(res.get("budget_ms").asDouble()), "--out",
        tmp.resolve("scale-cli").toString());
    assertEquals(0, scale.code(), scale.err());
    for (String f : new String[] {"scaling.json", "candidates.csv", "scaled_model.json"}) {
      assertEquals(Files.readString(run.resolve(f)), Files.readString(tmp.resolve("scale-cli").resolve(f)), f);
    }
    // and s3nas postprocess on the search's scaled network, with the search's recipe, the same decisions
    CliTest.Result pp = CliTest.run("postprocess", "--arch", run.resolve("scaled_model.json").toString(), "--hardware",
        "custom", "--budget-ms", String.valueOf(res.get("budget_ms").asDouble()), "--data", tmp.resolve("data")
            .toString(), "--resize", "--epochs", "1", "--batch", "16", "--seed", "1", "--out", tmp.resolve("pp-cli").toString());
    assertEquals(0, pp.code(), pp.err());
    for (String f : new String[] {"postprocess.json", "postprocessed_model.json"}) {
      assertEquals(Files.readString(run.resolve(f)), Files.readString(tmp.resolve("pp-cli").resolve(f)), f);
    }
    String html = Files.readString(run.resolve("report.html"));
    assertTrue(html.contains("derived (searched at the target)") && html.contains("class=\"b"), "architectures drawn");
    assertTrue(html.contains("Each block's decision") && html.contains("<svg"), "decisions over the steps drawn");
    CliTest.Result again = CliTest.run(args);
    assertEquals(0, again.code(), again.err());
    assertEquals(res, new ObjectMapper().readTree(again.out()), "a finished search reports its result from the journal");
    String state = tmp.resolve("state").toString();
    CliTest.Result list = CliTest.run("list", "--data-dir", state, "--json");
    assertEquals(0, list.code(), list.err());
    JsonNode rows = new ObjectMapper().readTree(list.out()).get("searches");
    assertEquals(1, rows.size());
    assertEquals("completed", rows.get(0).get("state").asText());
    CliTest.Result status = CliTest.run("status", "tiny-search", "--data-dir", state, "--json");
    assertEquals(0, status.code(), status.err());
    assertEquals(res.toString(), new ObjectMapper().readTree(new ObjectMapper().readTree(status.out()).get("detail").asText())
        .toString());
    CliTest.Result watch = CliTest.run("watch", "tiny-search", "--data-dir", state);
    assertEquals(0, watch.code(), watch.err());
    String[] lines = watch.out().strip().split("\n");
    assertTrue(lines[0].startsWith("1 SearchSubmitted") && lines[lines.length - 1].startsWith(lines.length
        + " SearchCompleted"), "numbered from 1, as fork --at takes them: " + watch.out());
    for (String stage : new String[] {"LatencyTableReady", "SupernetProgress", "ArchitectureDerived", "ScalingChosen",
        "PostProcessDecided", "FinalTrainingProgress"}) {
      assertTrue(watch.out().contains(stage), stage);
    }
    String[] otherSeed = java.util.Arrays.copyOf(args, args.length + 2);
    otherSeed[args.length] = "--seed";
    otherSeed[args.length + 1] = "7";
    CliTest.Result other = CliTest.run(otherSeed);
    assertEquals(2, other.code());
    assertTrue(other.err().contains("other settings"), other.err());
    CliTest.Result unknown = CliTest.run("status", "nope", "--data-dir", state);
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("nope"), unknown.err());
  }

  @Test
  void aSearchThatDerivesANetworkAboveTheBudgetFailsSayingWhatToChange() throws IOException {
    Path conf = TinySearch.config(tmp, "missed", 96, 0.02, "warmup-epochs = 0.5\nsearch-epochs = 0.1\nbatch = 16\n");
    // budget = target, just above the fastest architecture: a tenth of an epoch of search cannot get there
    String text = Files.readString(conf);
    String target = text.replaceAll("(?s).*search-target-ms = ([0-9.]+).*", "$1");
    Files.writeString(conf, text.replaceAll("budget-ms = [0-9.]+", "budget-ms = " + target));
    CliTest.Result r = CliTest.run("search", "--config", conf.toString(), "--data-dir", tmp.resolve("m").toString(),
        "--run-dir", tmp.resolve("runs-m").toString());
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("SCALING") && r.err().contains("lower target")
        && r.err().contains("above the"), r.err());
  }

  @Test
  void badConfigsAreRejectedBeforeTheJournalIsTouched() throws IOException {
    Path conf = tmp.resolve("bad.conf");
    Files.writeString(conf, "supernet = fashion_mixconv_2_3_4_3_4\nhardware = tpu\nbudget-ms = 5\n");
    CliTest.Result r = CliTest.run("search", "--config", conf.toString(), "--data-dir", tmp.resolve("state").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("tpu"), r.err());
    Files.writeString(conf, "supernet = fashion_mixconv_2_3_4_3_4\nhardware = midap\nbudget-ms = 5\nspeed = 3\n");
    CliTest.Result unknown = CliTest.run("search", "--config", conf.toString(), "--data-dir", tmp.resolve("state").toString());
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("bad.conf") && unknown.err().contains("speed"), unknown.err());
    Files.writeString(conf, "supernet = fashion_mixconv_2_3_4_3_4\nhardware = midap\nbudget-ms = 0.0001\n");
    CliTest.Result tooFast = CliTest.run("search", "--config", conf.toString(), "--data-dir",
        tmp.resolve("state").toString());
    assertEquals(2, tooFast.code());
    assertTrue(tooFast.err().contains("budget-ms") && tooFast.err().contains("fastest architecture"), tooFast.err());
    assertTrue(!Files.exists(tmp.resolve("state")), "nothing persisted");
  }
}
