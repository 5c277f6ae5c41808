package io.s3nas.cli;

import io.s3nas.space.Branch;
import io.s3nas.space.BlockOutcome;
import io.s3nas.space.Complexity;
import io.s3nas.space.Cost;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code s3nas space ...}: inspect search spaces. */
@Command(name = "space", description = "Inspect supernets and their search spaces.",
    subcommands = {SpaceCommand.Show.class})
public final class SpaceCommand {

  /** {@code s3nas space show SUPERNET [--outcomes] [--json]}. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show a supernet's blocks, branches, skippable blocks and outcome counts.")
  public static final class Show implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SUPERNET", description = "Model JSON file or a name in conf/supernets/")
    String supernet;

    @Option(names = "--outcomes", description = "List every outcome of every block")
    boolean outcomes;

    @Option(names = "--json", description = "Print one JSON object")
    boolean json;

    @Override
    public Integer call() {
      ModelSpec model = common.model(supernet, "SUPERNET");
      SearchSpace space = SearchSpace.of(model);
      Cost all = Complexity.total(model);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("supernet", supernet);
        o.put("img_size", model.imgSize());
        o.put("blocks", space.blocks().size());
        o.put("architectures", space.size().toString());
        o.put("supernet_params", all.params());
        o.put("supernet_macs", all.macs());
        List<Map<String, Object>> blocks = new ArrayList<>();
        for (SearchableBlock b : space.blocks()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("index", b.index());
          m.put("stage", b.stage());
          m.put("block", b.superArgs().toString());
          m.put("input_size", b.inputSize());
          m.put("residual", b.residual());
          m.put("skippable", b.skippable());
          m.put("branches", b.branches().stream().map(br -> Map.of("kernels", br.kernelOptions(),
              "expansions", br.expansionOptions(), "can_zero_out", br.canZeroOut())).toList());
          m.put("outcome_count", b.outcomes().size());
          if (outcomes) {
            m.put("outcomes", b.outcomes().stream().map(BlockOutcome::label).toList());
          }
          blocks.add(m);
        }
        o.put("block_list", blocks);
        out.println(Json.of(o));
        return 0;
      }
      out.printf("supernet %s: input %dx%dx%d, %d classes, stem %s k%d s%d -> %d%n", supernet, model.imgSize(),
          model.imgSize(), model.imgChannels(), model.numClasses(), model.firstConv().cls(),
          model.firstConv().kernelSize(), model.firstConv().stride(), model.firstConv().outputFilters());
      out.printf("%d block positions in %d stages; %s architectures; all paths: %,d params, %,d MACs%n",
          space.blocks().size(), model.stages().size(), space.size(), all.params(), all.macs());
      out.printf("%-5s %-5s %-38s %5s %-9s %-40s %s%n", "block", "stage", "supernet block", "input", "skip", "branches (kernels x expansions)", "outcomes");
      for (SearchableBlock b : space.blocks()) {
        StringBuilder br = new StringBuilder();
        for (Branch x : b.branches()) {
          br.append(br.length() > 0 ? " | " : "").append("k").append(x.kernelOptions()).append(" e").append(x.expansionOptions());
        }
        out.printf("%-5d %-5d %-38s %5d %-9s %-40s %d%n", b.index(), b.stage(), b.superArgs(), b.inputSize(),
            b.skippable() ? "yes" : "no", br.length() == 0 ? "(fixed)" : br, b.outcomes().size());
        if (outcomes) {
          out.println("        " + String.join(", ", b.outcomes().stream().map(BlockOutcome::label).toList()));
        }
      }
      return 0;
    }
  }
}
