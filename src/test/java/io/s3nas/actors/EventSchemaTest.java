package io.s3nas.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Events as the journal held them before the schema had versions (version 1, written by the release
 * before 2026-11-30: the property maps Jackson wrote for those records, CBOR, manifest without a
 * version) are read by this version and folded into a search that continues correctly.
 */
class EventSchemaTest {
  static ActorTestKit kit;
  static Serialization serialization;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("schema", ConfigFactory.load());
    serialization = SerializationExtension.get(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  static final Map<String, Object> V1_SPEC = Map.ofEntries(Map.entry("supernet", "fashion_mixconv_2_3_4_3_4"),
      Map.entry("dataset", "fashion-mnist"), Map.entry("hardware", "cpu-nd4j"), Map.entry("budgetMs", 9.0),
      Map.entry("searchTargetMs", 6.5), Map.entry("warmupEpochs", 0.5), Map.entry("searchEpochs", 2.5),
      Map.entry("finalEpochs", 1.0), Map.entry("batch", 64), Map.entry("trainLimit", 8000), Map.entry("seed", 1));

  /** A version-1 row: the old record's properties, CBOR, under the old (unversioned) manifest. */
  static Object readV1(String eventClass, Map<String, Object> properties) throws Exception {
    byte[] bytes = new ObjectMapper(new CBORFactory()).writeValueAsBytes(properties);
    Serializer s = serialization.serializerFor(SearchSupervisor.SearchSubmitted.class);
    return serialization.deserialize(bytes, s.identifier(), "io.s3nas.actors.SearchSupervisor$" + eventClass).get();
  }

  @Test
  void versionOneEventsReadAsTodaysAndFoldIntoAContinuingSearch() throws Exception {
    SearchSupervisor.Event submitted = (SearchSupervisor.Event) readV1("SearchSubmitted",
        Map.of("spec", V1_SPEC, "atMillis", 1_700_000_000_000L));
    SearchSpec spec = ((SearchSupervisor.SearchSubmitted) submitted).spec();
    assertEquals(9.0, spec.budgetMs());
    assertEquals(0.0, spec.budgetFraction());
    assertEquals(io.s3nas.stages.PipelineSettings.defaults().postprocessChanges(), spec.settings().postprocessChanges(),
        "settings absent: the defaults");
    assertEquals(3, spec.settings().checkpointKeep(), "a setting added since: its default");
    assertNull(spec.runDir());
    SearchSupervisor.Event latency = (SearchSupervisor.Event) readV1("LatencyTableReady",
        Map.of("tableRef", "cpu-nd4j", "minMs", 2.0, "maxMs", 9.7, "atMillis", 1_700_000_001_000L));
    SearchSupervisor.Event scaled = (SearchSupervisor.Event) readV1("ScalingChosen", Map.of("blockStrings",
        List.of(List.of("r1_k3_s11_e2_i16_o16_c0")), "modelJson", "{}", "width", 1.1, "depth", 1.0, "resolution", 1.0,
        "estimatedMs", 8.9, "atMillis", 1_700_000_002_000L));
    SearchSupervisor.Event post = (SearchSupervisor.Event) readV1("PostProcessDecided", Map.of("blockStrings",
        List.of(List.of("r1_k3_s11_e2_i16_o16_c0")), "modelJson", "{}", "keptChanges", List.of(), "estimatedMs",
        8.95, "atMillis", 1_700_000_003_000L));
    SearchSupervisor.State s = new SearchSupervisor.Empty();
    for (SearchSupervisor.Event e : List.of(submitted, latency, scaled, post)) {
      s = SearchStates.apply(s, e);
    }
    SearchSupervisor.Running r = assertInstanceOf(SearchSupervisor.Running.class, s);
    assertEquals(Stage.FINAL_TRAINING, r.stage());
    assertEquals(9.0, r.budgetMs(), "an old search keeps its budget in ms");
    assertEquals(6.5, r.targetMs());
    assertNull(r.warmStartRef(), "no warm start recorded: final training starts at step 0");
    assertTrue(((SearchSupervisor.ScalingChosen) scaled).measuredMs() == null);
  }

  @Test
  void aVersionOneSnapshotOfARunningSearchKeepsItsBudget() throws Exception {
    Object running = readV1("Running", Map.ofEntries(Map.entry("spec", V1_SPEC), Map.entry("stage", "SCALING"),
        Map.entry("paused", false), Map.entry("step", 0), Map.entry("totalSteps", 0), Map.entry("lastLoss", 0.5),
        Map.entry("lastExpectedMs", 7.9), Map.entry("architecture", List.of()), Map.entry("stageStartedMillis", 5L),
        Map.entry("stageSeconds", Map.of("supernet", 100.0))));
    SearchSupervisor.Running r = assertInstanceOf(SearchSupervisor.Running.class, running);
    assertEquals(9.0, r.budgetMs());
    assertEquals(6.5, r.targetMs());
  }

  @Test
  void aSpecPersistedBeforeTheMeasurementKeysMeasuresEverythingAndKeepsItsCheckpoints() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    SearchSpec today = SearchSpecs.parse("supernet = s\nhardware = cpu-nd4j\nbudget-ms = 9\n", "t");
    com.fasterxml.jackson.databind.node.ObjectNode old = json.valueToTree(today);
    ((com.fasterxml.jackson.databind.node.ObjectNode) old.get("settings")).remove("measurement");
    SearchSpec before = json.treeToValue(old, SearchSpec.class);
    assertEquals(io.s3nas.latency.MeasurementPolicy.ALL, before.settings().measurement(), "what it ran with");
    assertEquals(io.s3nas.latency.MeasurementPolicy.defaults(), today.settings().measurement());
    assertEquals(EnginePipeline.checkpointIdentity(before, "supernet"), EnginePipeline.checkpointIdentity(today,
        "supernet"), "the policy trains nothing: the checkpoints of either are the other's");
    com.fasterxml.jackson.databind.node.ObjectNode id = EnginePipeline.checkpointIdentity(today, "x");
    id.remove("stage");
    assertEquals(old, id, "the identity a checkpoint written before the keys carries");
  }

  @Test
  void todaysEventsCarryTheirVersion() {
    SearchSupervisor.LatencyTableReady e = new SearchSupervisor.LatencyTableReady("t", 1, 2, 3, 1.5, 1.2, 0.1);
    Serializer s = serialization.findSerializerFor(e);
    String manifest = org.apache.pekko.serialization.Serializers.manifestFor(s, e);
    assertTrue(manifest.endsWith("#3"), manifest);
  }
}
