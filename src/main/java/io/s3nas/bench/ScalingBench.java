package io.s3nas.bench;

import io.s3nas.latency.LatencyModel;
import io.s3nas.platform.HardwareRegistry;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.Random;

/**
 * Speed of the scaling sweep on one core: the standard (w, d, r) grid plus per-stage depth lists
 * (over 10,000 candidates) for an architecture drawn from a supernet, priced on a table platform.
 * Run by {@code scripts/bench-scale}; prints one JSON line.
 */
public final class ScalingBench {
  private ScalingBench() {}

  public static void main(String[] args) {
    String supernet = args.length > 0 ? args[0] : "conf/supernets/mixconv_super_3_4_7_4_11.json";
    String hardware = args.length > 1 ? args[1] : "midap";
    double budgetFactor = args.length > 2 ? Double.parseDouble(args[2]) : 2.0;
    SearchSpace space = SearchSpace.of(ModelJson.read(Path.of(supernet)));
    Random r = new Random(1);
    int[] choice = new int[space.blocks().size()];
    for (int i = 0; i < choice.length; i++) {
      choice[i] = r.nextInt(space.blocks().get(i).outcomes().size());
    }
    Architecture base = space.architecture(choice);
    LatencyModel model = HardwareRegistry.load(Path.of("conf/hardware")).model(hardware);
    // what `s3nas scale` sweeps by default: the (w, d, r) grid and the lists adding a block to any stages
    ScalingSearch.Grid grid = ScalingSearch.Grid.standard()
        .withDepthLists(ScalingSearch.Grid.stageIncrements(base, 1));
    double baseMs = new io.s3nas.latency.FixedLatency(model).totalMs(base);
    ScalingSearch.run(base, model, baseMs * budgetFactor, ScalingSearch.Size.MACS, grid); // JIT and predictor warm-up
    ScalingSearch.Result res = ScalingSearch.run(base, model, baseMs * budgetFactor, ScalingSearch.Size.MACS, grid);
    System.out.printf("{\"bench\": \"scaling-sweep\", \"hardware\": \"%s\", \"candidates\": %d, \"seconds\": %.3f, "
            + "\"candidates_per_s\": %.0f, \"base_ms\": %.4f, \"budget_ms\": %.4f, \"chosen_ms\": %.4f, \"budget_use\": %.4f, "
            + "\"chosen\": \"w %.2f d %s r %.2f\"}%n", hardware, res.candidates().size(), res.seconds(),
        res.candidates().size() / res.seconds(), baseMs, res.budgetMs(), res.chosen().latencyMs(),
        res.chosen().latencyMs() / res.budgetMs(), res.chosen().scaling().width(),
        res.chosen().scaling().depthList() == null ? String.valueOf(res.chosen().scaling().depth())
            : res.chosen().scaling().depthList().toString(), res.chosen().scaling().resolution());
  }
}
