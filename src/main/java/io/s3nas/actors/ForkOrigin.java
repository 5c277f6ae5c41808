package io.s3nas.actors;

/**
 * Where a forked search starts (docs/design.md, "Forks"): the source search, the sequence number of
 * its event that recorded the checkpoint at the end of its warm-up, that checkpoint, and the source's
 * spec (the checkpoint carries its identity), and the step it was written after (the warm-up's
 * length). The fork trains only its own search phase from there.
 */
public record ForkOrigin(String searchId, long eventSeq, String checkpointRef, SearchSpec sourceSpec, long step)
    implements CborSerializable {}
