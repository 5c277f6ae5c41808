package io.s3nas.actors;

/** The stages of one search, in pipeline order (docs/design.md). */
public enum Stage {
  LATENCY_TABLE, SUPERNET, SCALING, POST_PROCESSING, FINAL_TRAINING, EXPORT, DONE;

  public Stage next() {
    return this == DONE ? DONE : values()[ordinal() + 1];
  }
}
