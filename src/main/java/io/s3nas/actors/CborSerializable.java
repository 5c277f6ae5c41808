package io.s3nas.actors;

/**
 * Marker for everything that crosses an actor boundary or goes into the journal: bound to Pekko's
 * Jackson CBOR serializer in {@code application.conf} (Java serialization is off).
 */
public interface CborSerializable {}
