package io.s3nas.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.checkpoint.RunCheckpoints;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.search.Derivation;
import io.s3nas.search.SearchSettings;
import io.s3nas.search.SinglePathSearch;
import io.s3nas.search.SupernetDecisions;
import io.s3nas.search.SupernetTrainer;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.PlacedBlock;
import io.s3nas.space.SearchSpace;
import io.s3nas.space.SearchableBlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Why a search's final network is what it is (docs/design.md, "Explain"): for every block of the
 * final network, the supernet block it comes from (through scaling's copies and the derivation), that
 * block's outcome against its alternatives and their latency on the platform, the step its decision
 * last changed up to the step the derivation read, and each branch's kernel rings and channel groups —
 * norm against threshold at that step ({@link Derivation}); then the derivation, scaling's and
 * post-processing's decisions with their evidence. Built from the
 * search's own files (its last supernet checkpoint, {@code scaling.json}, {@code postprocess.json})
 * and the architectures the journal records.
 */
public final class Explanation {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Explanation() {}

  /**
   * @param latency the platform's estimates for the supernet (the alternatives' latency)
   * @param derived the architecture the supernet stage derived
   * @param finalArch the network the search shipped
   * @param supernet the supernet run's last checkpoint (null: not kept, no per-branch evidence)
   * @param scaling {@code scaling.json} (null: absent); its {@code block_origins} map final blocks to derived ones
   * @param postprocess {@code postprocess.json} (null: absent)
   */
  public record Inputs(SearchSpace space, NetworkLatency latency, SearchSettings settings, Architecture derived,
                       Architecture finalArch, TensorArchive supernet, JsonNode scaling, JsonNode postprocess) {}

  /**
   * The explanation of the search whose run folder is {@code dir} ({@code derived_model.json},
   * {@code postprocessed_model.json}, {@code scaling.json}, {@code postprocess.json}).
   */
  public static Map<String, Object> ofRun(SearchSpace space, NetworkLatency latency, SearchSettings settings, Path dir,
                                          TensorArchive supernetCheckpoint) throws IOException {
    JsonNode scaling = Files.exists(dir.resolve("scaling.json")) ? JSON.readTree(dir.resolve("scaling.json").toFile())
        : null;
    JsonNode post = Files.exists(dir.resolve("postprocess.json")) ? JSON.readTree(dir.resolve("postprocess.json")
        .toFile()) : null;
    return explain(new Inputs(space, latency, settings, Architecture.of(ModelJson.read(dir.resolve("derived_model.json")),
        "derived_model.json"), Architecture.of(ModelJson.read(dir.resolve("postprocessed_model.json")),
        "postprocessed_model.json"), supernetCheckpoint, scaling, post));
  }

  public static Map<String, Object> explain(Inputs in) {
    // the checkpoint's record of the derivation, if it is the one that gave this architecture (a fork
    // resumed from a source's last checkpoint keeps the source's until it writes its own)
    Derivation derivation = Derivation.read(in.supernet()).filter(d -> gave(in.space(), d, in.derived())).orElse(null);
    // the supernet's own choice when recorded: which block of a stage it skipped is not in the
    // architecture, which reads as if the stage's last blocks were the skipped ones
    int[] choice = derivation != null ? derivation.derived() : in.space().choiceOf(in.derived());
    List<Integer> kept = new ArrayList<>(); // derived block j is supernet block kept.get(j)
    for (SearchableBlock b : in.space().blocks()) {
      if (b.concrete(choice[b.index()]) != null) {
        kept.add(b.index());
      }
    }
    SupernetDecisions.Pass pass = null;
    double[][] choiceLog = null;
    if (in.supernet() != null) {
      SupernetTrainer t = new SupernetTrainer(in.space(), in.latency(), in.settings(), 1);
      t.restore(in.supernet());
      pass = t.currentDecisions();
      choiceLog = new double[in.space().blocks().size()][];
      int steps = RunCheckpoints.column(in.supernet(), "loss").length;
      for (int b = 0; b < choiceLog.length; b++) {
        choiceLog[b] = RunCheckpoints.column(in.supernet(), SinglePathSearch.choiceColumn(b), steps, -1);
      }
    }
    // every level's norm and margin, once: at the derivation step when it was kept, else at the search's end
    Map<Derivation.Level, double[]> levels = derivation != null && derivation.hasNorms() ? derivation.byLevel(in.space())
        : pass != null ? Derivation.byLevel(in.space(), pass) : null;
    List<Integer> origins = new ArrayList<>();
    if (in.scaling() != null && in.scaling().has("block_origins")) {
      in.scaling().get("block_origins").forEach(n -> origins.add(n.asInt()));
    }
    List<PlacedBlock> blocks = in.finalArch().layout().blocks();
    List<Map<String, Object>> out = new ArrayList<>();
    for (int k = 0; k < blocks.size(); k++) {
      PlacedBlock p = blocks.get(k);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("block", k);
      m.put("stage", p.stage());
      m.put("block_string", p.args().toString());
      Map<String, Object> ev = new LinkedHashMap<>();
      Integer derivedIndex = origins.size() == blocks.size() ? origins.get(k)
          : blocks.size() == kept.size() ? Integer.valueOf(k) : null;
      if (derivedIndex != null) {
        boolean copy = k > 0 && origins.size() == blocks.size() && origins.get(k - 1).equals(derivedIndex);
        ev.put("scaling", Map.of("derived_block", derivedIndex, "copy", copy));
        ev.put("supernet", supernetEvidence(in, kept.get(derivedIndex), choice, pass, choiceLog, derivation, levels));
      } else {
        ev.put("scaling", Map.of("derived_block", "unknown: scaling.json has no block_origins (a search before they "
            + "were recorded)"));
      }
      ev.put("post_processing", postprocessEvidence(in.postprocess(), p.stage()));
      m.put("evidence", ev);
      out.add(m);
    }
    List<Map<String, Object>> decisions = new ArrayList<>();
    if (derivation != null) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("kind", "derivation");
      d.put("step", derivation.step());
      if (choiceLog != null && choiceLog.length > 0) {
        d.put("steps", choiceLog[0].length);
      }
      d.put("rule", derivation.rule());
      List<Map<String, Object>> filled = new ArrayList<>();
      for (int b = 0; b < choice.length; b++) {
        if (derivation.read()[b] != choice[b]) {
          SearchableBlock sb = in.space().blocks().get(b);
          filled.add(Map.of("supernet_block", b, "from", sb.outcomes().get(derivation.read()[b]).label(), "to",
              sb.outcomes().get(choice[b]).label()));
        }
      }
      d.put("filled", filled); // the slack below the target, given to the outcomes the thresholds made likeliest
      decisions.add(d);
    }
    if (in.scaling() != null) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("kind", "scaling");
      for (String f : List.of("budget_ms", "limit_ms", "base_ms", "by", "width", "depth", "resolution", "img_size",
          "estimated_latency_ms", "measured_latency_ms", "uncertainty_ms", "fitting", "macs", "params")) {
        if (in.scaling().has(f)) {
          d.put(f, json(in.scaling().get(f)));
        }
      }
      decisions.add(d);
    }
    if (in.postprocess() != null && in.postprocess().has("decisions")) {
      for (JsonNode x : in.postprocess().get("decisions")) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", "post_processing");
        x.fields().forEachRemaining(e -> d.put(e.getKey(), json(e.getValue())));
        decisions.add(d);
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("blocks", out);
    r.put("decisions", decisions);
    return r;
  }

  private static Map<String, Object> supernetEvidence(Inputs in, int b, int[] choice, SupernetDecisions.Pass pass,
                                                      double[][] choiceLog, Derivation derivation,
                                                      Map<Derivation.Level, double[]> levels) {
    SearchableBlock sb = in.space().blocks().get(b);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("supernet_block", b);
    m.put("outcome", sb.outcomes().get(choice[b]).label());
    List<Map<String, Object>> alts = new ArrayList<>();
    double[] ms = in.latency().outcomeMs(b);
    for (int o = 0; o < sb.outcomes().size(); o++) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("outcome", sb.outcomes().get(o).label());
      a.put("latency_ms", ms[o]);
      a.put("chosen", o == choice[b]);
      alts.add(a);
    }
    m.put("alternatives", alts);
    if (derivation != null && derivation.read()[b] != choice[b]) {
      // filled after the derivation step: the search's own decision there was another outcome
      m.put("outcome_at_derivation_step", sb.outcomes().get(derivation.read()[b]).label());
    }
    if (choiceLog != null) {
      double[] c = choiceLog[b];
      // the decision as the derivation read it: its last change up to that step
      int last = derivation != null ? (int) Math.min(derivation.step(), c.length) - 1 : c.length - 1;
      int flip = 0;
      for (int t = last; t > 0; t--) {
        if (c[t] != c[t - 1] && c[t] >= 0 && c[t - 1] >= 0) {
          flip = t + 1; // steps are counted from 1
          break;
        }
      }
      m.put("last_flip_step", flip);
      m.put("steps", c.length);
    }
    if (derivation != null && derivation.hasNorms()) {
      m.put("norms_at_step", derivation.step());
      m.put("branches", branches(sb, levels));
    } else if (levels != null) {
      // the derivation's own norms were not kept (a search from before they were, or a fork resumed
      // from its source's last checkpoint): the end of the search is the closest view there is
      m.put("norms_at_step", choiceLog != null ? choiceLog[b].length : "search end");
      m.put("branches", branches(sb, levels));
    }
    return m;
  }

  /** Each branch's kernel rings and channel groups: norm against threshold, and whether the level is in. */
  private static List<Map<String, Object>> branches(SearchableBlock sb, Map<Derivation.Level, double[]> levels) {
    List<Map<String, Object>> branches = new ArrayList<>();
    for (int i = 0; i < sb.branches().size(); i++) {
      List<Map<String, Object>> rings = new ArrayList<>();
      List<Map<String, Object>> groups = new ArrayList<>();
      for (Map.Entry<Derivation.Level, double[]> e : levels.entrySet()) {
        Derivation.Level l = e.getKey();
        if (l.block() == sb.index() && l.branch() == i) {
          (l.kind().equals("kernel") ? rings : groups).add(level(l.kind(), l.option(), e.getValue()[0],
              e.getValue()[1]));
        }
      }
      Map<String, Object> bm = new LinkedHashMap<>();
      bm.put("kernel_rings", rings); // ring 0 (the smallest kernel) is always in
      bm.put("channel_groups", groups);
      branches.add(bm);
    }
    return branches;
  }

  private static Map<String, Object> level(String what, int option, double norm, double margin) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(what, option);
    m.put("norm", norm);
    m.put("threshold", norm - margin);
    m.put("kept", margin > 0);
    return m;
  }

  private static List<Map<String, Object>> postprocessEvidence(JsonNode pp, int stage) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (pp == null || !pp.has("decisions")) {
      return out;
    }
    for (JsonNode d : pp.get("decisions")) {
      String change = d.path("change").asText();
      if (change.endsWith("stage " + stage) || change.endsWith("global")) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("change", change);
        m.put("verdict", d.path("verdict").asText());
        m.put("reason", d.path("reason").asText());
        if (d.has("gain_interval_points")) {
          m.put("gain_interval_points", json(d.get("gain_interval_points")));
        }
        out.add(m);
      }
    }
    return out;
  }

  private static Object json(JsonNode n) {
    return JSON.convertValue(n, Object.class);
  }

  /**
   * Whether derivation {@code d} gave architecture {@code derived}: the same network, compared as the
   * space reads networks back (a choice that skips a stage's second block and keeps its third gives the
   * network of one that keeps the second and skips the third).
   */
  static boolean gave(SearchSpace space, Derivation d, Architecture derived) {
    return d.derived().length == space.blocks().size()
        && Arrays.equals(space.choiceOf(space.architecture(d.derived())), space.choiceOf(derived));
  }
}
