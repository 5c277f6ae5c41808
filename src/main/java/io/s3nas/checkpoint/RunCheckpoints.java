package io.s3nas.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.s3nas.common.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a long run (search, final training) checkpoints: into which store, under which run name,
 * every how many steps (and always at the end), and what identifies the run. A resume continues
 * only a checkpoint whose identity (model, settings, data, steps, platform) equals this run's, from
 * the newest intact one (a damaged newest is skipped, said so in the log); the {@code keep} newest
 * are kept, older ones deleted. {@code expected}, the reference the search's journal last recorded,
 * is also tried, and when it is set but no checkpoint can be read the resume fails saying so instead
 * of silently restarting from step 0.
 */
public record RunCheckpoints(CheckpointStore store, String run, int everySteps, ObjectNode identity, boolean resume,
                             int keep, String expected, Start start) {
  /**
   * Where a run without checkpoints of its own starts: another run's checkpoint (a fork starts its
   * search phase from its source's warm-up end, docs/design.md "Forks"), which must carry
   * {@code identity}, the other run's.
   */
  public record Start(String ref, ObjectNode identity) {}

  public RunCheckpoints(CheckpointStore store, String run, int everySteps, ObjectNode identity, boolean resume,
                        int keep, String expected) {
    this(store, run, everySteps, identity, resume, keep, expected, null);
  }

  /** Checkpoints kept per run by default: the newest and two to fall back to. */
  public static final int KEEP = 3;

  public RunCheckpoints(CheckpointStore store, String run, int everySteps, ObjectNode identity, boolean resume) {
    this(store, run, everySteps, identity, resume, KEEP, null, null);
  }

  private static final Logger LOG = LoggerFactory.getLogger(RunCheckpoints.class);

  public RunCheckpoints {
    if (everySteps < 1 || keep < 1) {
      throw new IllegalArgumentException("checkpoint interval must be >= 1 step, and at least one kept");
    }
  }

  /** Whether a checkpoint is due after {@code stepsDone} of {@code total} steps. */
  public boolean due(long stepsDone, long total) {
    return stepsDone % everySteps == 0 || stepsDone == total;
  }

  /** Stores a trainer state with the run's identity and per-step log columns, and makes it the latest. */
  public String save(TensorArchive state, Map<String, double[]> logColumns) {
    state.meta().set("identity", identity);
    Map<String, double[]> d = new LinkedHashMap<>(state.doubles());
    logColumns.forEach((k, v) -> d.put("log:" + k, v));
    String ref = store.put(new TensorArchive(state.meta(), state.floats(), d).toBytes());
    store.pointTo(run, ref, keep);
    LOG.info("checkpoint of {} after {} steps: {}", run,
        logColumns.values().stream().findFirst().map(v -> v.length).orElse(0), ref);
    return ref;
  }

  /**
   * The newest intact checkpoint of this run when resuming, verified to be of this run; empty when
   * the run has none (it starts at step 0).
   */
  public Optional<TensorArchive> latest() {
    if (!resume) {
      return Optional.empty();
    }
    java.util.List<String> refs = new java.util.ArrayList<>(store.history(run));
    if (expected != null && !refs.contains(expected)) {
      refs.add(0, expected); // the journal's word, when the pointer file lost it
    }
    if (refs.isEmpty()) {
      return start == null ? Optional.empty() : Optional.of(startCheckpoint());
    }
    java.util.List<String> problems = new java.util.ArrayList<>();
    for (String ref : refs) {
      TensorArchive a;
      try {
        a = TensorArchive.fromBytes(store.get(ref), store.dir().resolve(ref + ".ckpt").toString());
      } catch (RuntimeException damaged) {
        problems.add(damaged.getMessage());
        LOG.warn("{}: {}; trying the previous checkpoint", run, damaged.getMessage());
        continue;
      }
      // compared as JSON text: a stored long 1 reads back as an int node, equal in text only
      if (!identity.toString().equals(a.meta().path("identity").toString())) {
        throw new InvalidInputException(store.dir().resolve(run + ".latest").toString(), "identity",
            "a checkpoint of this run; it was written with other settings (" + a.meta().path("identity")
                + "); use another checkpoint folder or run name");
      }
      if (!problems.isEmpty()) {
        LOG.warn("{} resumes from an older checkpoint {} ({} newer unreadable)", run, ref, problems.size());
      }
      LOG.info("resuming {} from checkpoint {}", run, ref);
      return Optional.of(a);
    }
    // every recorded checkpoint is unreadable: restarting from 0 would contradict the journal
    throw new InvalidInputException(store.dir().toString(), run, "a readable checkpoint to resume from: "
        + String.join("; ", problems) + (expected != null ? " (the journal records " + expected + ")" : ""));
  }

  private TensorArchive startCheckpoint() {
    String where = store.dir().resolve(start.ref() + ".ckpt").toString();
    if (!store.contains(start.ref())) {
      throw new InvalidInputException(where, null, "the checkpoint this run starts from; it is gone");
    }
    TensorArchive a = TensorArchive.fromBytes(store.get(start.ref()), where);
    if (!start.identity().toString().equals(a.meta().path("identity").toString())) {
      throw new InvalidInputException(where, "identity", "a checkpoint of " + start.identity() + ", got "
          + a.meta().path("identity"));
    }
    LOG.info("{} starts from checkpoint {} of another run", run, start.ref());
    return a;
  }

  /**
   * Names {@code ref} under {@code <run>.<name>} as well, so this run's pruning never deletes it (a
   * file another run's history names stays).
   */
  public void pin(String name, String ref) {
    store.pointTo(run + "." + name, ref);
  }

  /** The checkpoint pinned under {@code name}, if any. */
  public static Optional<String> pinned(CheckpointStore store, String run, String name) {
    return store.latest(run + "." + name);
  }

  /** Marks the first step a resumed run completed (logged: the restart benchmark reads it). */
  public void firstStepAfterResume(long stepsDone) {
    LOG.info("{} resumed: step {} done", run, stepsDone);
  }

  /**
   * A log column saved with {@link #save}, or {@code n} copies of {@code fill} when the checkpoint
   * predates the column (written by an earlier version that did not log it).
   */
  public static double[] column(TensorArchive a, String name, int n, double fill) {
    if (a.doubles().containsKey("log:" + name)) {
      return column(a, name);
    }
    double[] v = new double[n];
    java.util.Arrays.fill(v, fill);
    return v;
  }

  /** A log column saved with {@link #save}. */
  public static double[] column(TensorArchive a, String name) {
    return a.doubles("log:" + name);
  }
}
