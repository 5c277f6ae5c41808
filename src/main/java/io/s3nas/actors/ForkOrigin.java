package io.s3nas.actors;

/**
 * Where a forked search starts (docs/design.md, "Forks"): the source search, the sequence number of
 * its event that recorded the checkpoint at the end of its warm-up, that checkpoint, and the source's
 * spec (the checkpoint carries its identity), and the step it was written after (the warm-up's
 * length). The fork trains only its own search phase from there.
 *
 * <p>A fork at the source's derived architecture ({@code derivedModelJson} not null; {@code eventSeq}
 * the source's {@code ArchitectureDerived}) trains no supernet at all: it scales that architecture to
 * its own budget and carries on from there. {@code searchId} is then the search whose supernet derived
 * it, and {@code checkpointRef} that supernet's last checkpoint (the evidence {@code explain} reads).
 */
public record ForkOrigin(String searchId, long eventSeq, String checkpointRef, SearchSpec sourceSpec, long step,
                         String derivedModelJson) implements CborSerializable {
  /** A fork at the warm-up's end. */
  public ForkOrigin(String searchId, long eventSeq, String checkpointRef, SearchSpec sourceSpec, long step) {
    this(searchId, eventSeq, checkpointRef, sourceSpec, step, null);
  }

  /**
   * The checkpoint run of the supernet that derived search {@code id}'s architecture: its own, or,
   * for a fork at a derived architecture ({@code origin}), its source's.
   */
  public static String supernetRun(String id, ForkOrigin origin) {
    return (origin != null && origin.derived() ? origin.searchId() : id) + "-supernet";
  }

  /** Whether the fork starts from the source's derived architecture (no supernet training). */
  public boolean derived() {
    return derivedModelJson != null;
  }
}
