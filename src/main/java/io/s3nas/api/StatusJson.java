package io.s3nas.api;

import io.s3nas.actors.SearchSupervisor;
import java.util.LinkedHashMap;
import java.util.Map;

/** A search's status as the CLI's {@code status --json} and the HTTP API write it. */
public final class StatusJson {
  private StatusJson() {}

  public static Map<String, Object> describe(SearchSupervisor.Status s) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("search_id", s.searchId());
    o.put("state", s.state());
    o.put("stage", s.stage() == null ? null : s.stage().name().toLowerCase());
    o.put("paused", s.paused());
    o.put("step", s.step());
    o.put("total_steps", s.totalSteps());
    o.put("last_loss", Double.isNaN(s.lastLoss()) ? null : s.lastLoss());
    o.put("estimated_ms", Double.isNaN(s.lastExpectedMs()) ? null : s.lastExpectedMs());
    o.put("checkpoint", s.checkpointRef());
    o.put("block_strings", s.architecture());
    o.put("detail", s.detail());
    return o;
  }
}
