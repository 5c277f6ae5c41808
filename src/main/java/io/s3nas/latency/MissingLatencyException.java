package io.s3nas.latency;

import io.s3nas.common.InvalidInputException;

/** A table lacks an entry and nothing is configured to fill it. */
public final class MissingLatencyException {
  private MissingLatencyException() {}

  public static InvalidInputException of(String platform, String tableName, Component c) {
    return new InvalidInputException(tableName, c.tableKey(),
        "latency table of platform '" + platform + "' lacks this entry and the predictor did not fill it "
            + "(predictor disabled: set missing = predict in conf/hardware/" + platform + ".conf, or add the entry)");
  }
}
