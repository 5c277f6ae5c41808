package io.s3nas.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.s3nas.actors.SearchSupervisor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A search's status as the CLI's {@code status --json} and the HTTP API write it. A completed
 * search also carries its headline from result.json: top-1, measured latency, budget, whether the
 * budget held, and the report's path.
 */
public final class StatusJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

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
    o.put("budget_ms", s.budgetMs() > 0 ? s.budgetMs() : null);
    o.put("target_ms", s.targetMs() > 0 ? s.targetMs() : null);
    o.put("checkpoint", s.checkpointRef());
    o.put("block_strings", s.architecture());
    o.put("detail", s.detail());
    if ("completed".equals(s.state()) && s.detail() != null) {
      try {
        JsonNode r = MAPPER.readTree(s.detail());
        o.put("top1", number(r.get("top1")));
        o.put("measured_latency_ms", number(r.get("measured_latency_ms")));
        o.put("estimated_ms", number(r.get("estimated_latency_ms")));
        o.put("budget_ms", number(r.get("budget_ms")));
        o.put("target_ms", number(r.get("search_target_ms")));
        o.put("within_budget", r.has("within_budget") ? r.get("within_budget").asBoolean() : null);
        o.put("hardware", r.path("hardware").asText(null));
        o.put("report", r.path("files").path("report").asText(null));
      } catch (java.io.IOException e) {
        o.put("result_error", "result.json of this search is not readable: " + e.getMessage());
      }
    }
    return o;
  }

  private static Double number(JsonNode n) {
    return n == null || !n.isNumber() ? null : n.asDouble();
  }
}
