package io.s3nas.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSupervisor;
import io.s3nas.checkpoint.CheckpointStore;
import io.s3nas.checkpoint.TensorArchive;
import io.s3nas.common.InvalidInputException;
import io.s3nas.latency.NetworkLatency;
import io.s3nas.space.SearchSpace;
import io.s3nas.stages.Explanation;
import io.s3nas.stages.SupernetStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas explain ID}: the evidence behind every block of a completed search's network and every
 * later decision ({@link Explanation}), from its journal, its last supernet checkpoint and its run
 * folder's files, each named with its content hash.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Why a completed search's network is what it is: per block, the supernet's decision and its evidence; scaling and post-processing.")
public final class ExplainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  @Mixin CommonOptions common;
  @Mixin JournalCommands.JournalOptions journal;
  @Spec CommandSpec spec;
  @Parameters(paramLabel = "ID") String id;
  @Option(names = "--block", paramLabel = "N", description = "Only block N of the final network") Integer block;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws Exception {
    SearchCommand.checkId(id);
    List<SearchSupervisor.Event> events = journal.withJournal(j -> j.events(id).toCompletableFuture().join());
    SearchSupervisor.SearchSubmitted sub = events.stream().filter(SearchSupervisor.SearchSubmitted.class::isInstance)
        .map(SearchSupervisor.SearchSubmitted.class::cast).findFirst()
        .orElseThrow(() -> new InvalidInputException("ID", null, "a search in the journal; there is no '" + id + "'"));
    SearchSpec s = sub.spec();
    if (events.stream().noneMatch(SearchSupervisor.SearchCompleted.class::isInstance)) {
      throw new InvalidInputException("ID", null, "a completed search; '" + id + "' has not completed");
    }
    String table = last(events, SearchSupervisor.LatencyTableReady.class).map(e -> e.tableRef()).orElse(null);
    Path dir = Path.of(s.runDir() != null ? s.runDir() : "runs/search").resolve(id);
    CheckpointStore store = new CheckpointStore(journal.dir().resolve("checkpoints"));
    // a fork at a derived architecture explains with the supernet that derived it
    String supernetRun = io.s3nas.actors.ForkOrigin.supernetRun(id, sub.forkedFrom());
    Optional<String> ckRef = store.latest(supernetRun).filter(store::contains);
    TensorArchive ck = store.latestArchive(supernetRun).orElse(null);
    SearchSpace space = SearchSpace.of(common.model(s.supernet(), "the search's supernet"));
    NetworkLatency latency = NetworkLatency.of(space, common.hardware().model(s.hardware()));
    if (!Files.exists(dir.resolve("postprocessed_model.json"))) {
      throw new InvalidInputException(dir.toString(), null, "the run folder of '" + id + "' with its architectures; "
          + "it is not there");
    }
    Map<String, Object> r = new LinkedHashMap<>(Explanation.ofRun(space, latency,
        SupernetStage.settings(s.settings(), s.batch(), 1, s.seed()), dir, ck));
    Map<String, Object> sources = new LinkedHashMap<>();
    sources.put("search_id", id);
    sources.put("hardware", s.hardware());
    sources.put("latency_table", table);
    sources.put("supernet_checkpoint", ckRef.orElse(null));
    for (String f : List.of("scaling.json", "postprocess.json", "result.json")) {
      Path p = dir.resolve(f);
      sources.put(f, Files.exists(p) ? "sha256:" + HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))) : null);
    }
    r.put("sources", sources);
    if (block != null) {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> all = (List<Map<String, Object>>) r.get("blocks");
      if (block < 0 || block >= all.size()) {
        throw new InvalidInputException("--block", null, "a block of the final network, 0 to " + (all.size() - 1)
            + ", got " + block);
      }
      r.put("blocks", List.of(all.get(block)));
    }
    if (json) {
      spec.commandLine().getOut().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    } else {
      spec.commandLine().getOut().print(text(r));
      spec.commandLine().getOut().flush(); // print does not flush an autoflush writer
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  private static String text(Map<String, Object> r) {
    StringBuilder sb = new StringBuilder();
    for (Map<String, Object> b : (List<Map<String, Object>>) r.get("blocks")) {
      Map<String, Object> ev = (Map<String, Object>) b.get("evidence");
      sb.append(String.format("block %s (stage %s) %s%n", b.get("block"), b.get("stage"), b.get("block_string")));
      Map<String, Object> sc = (Map<String, Object>) ev.get("scaling");
      Map<String, Object> sn = (Map<String, Object>) ev.get("supernet");
      if (sn != null) {
        sb.append(String.format("  supernet block %s chose %s", sn.get("supernet_block"), sn.get("outcome")));
        if (sn.containsKey("last_flip_step")) {
          sb.append(String.format(", last changed at step %s of %s", sn.get("last_flip_step"), sn.get("steps")));
        }
        sb.append(Boolean.TRUE.equals(sc.get("copy")) ? "; a copy scaling added" : "").append('\n');
        for (Map<String, Object> a : (List<Map<String, Object>>) sn.get("alternatives")) {
          sb.append(String.format("    %s %-14s %.4f ms%n", Boolean.TRUE.equals(a.get("chosen")) ? "*" : " ",
              a.get("outcome"), ((Number) a.get("latency_ms")).doubleValue()));
        }
      }
      for (Map<String, Object> p : (List<Map<String, Object>>) ev.get("post_processing")) {
        sb.append(String.format("  %s: %s (%s)%n", p.get("change"), p.get("verdict"), p.get("reason")));
      }
    }
    for (Map<String, Object> d : (List<Map<String, Object>>) r.get("decisions")) {
      sb.append(d.get("kind")).append(": ").append(d).append('\n');
    }
    return sb.toString();
  }

  private static <E> Optional<E> last(List<SearchSupervisor.Event> events, Class<E> c) {
    E found = null;
    for (SearchSupervisor.Event e : events) {
      if (c.isInstance(e)) {
        found = c.cast(e);
      }
    }
    return Optional.ofNullable(found);
  }
}
