package io.s3nas.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.s3nas.SimulatedDevice;
import io.s3nas.latency.Calibration;
import io.s3nas.latency.FixedLatency;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.PassTimer;
import io.s3nas.scaling.ScalingSearch;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine whose whole networks take 1.3× the sum of their separately timed parts (plus a fixed
 * cost per pass), as real CPUs do: the table alone underestimates every network. The latency stage
 * calibrates it when it profiles, with a held-out error; scaling chooses on whole-network
 * measurements; the export's verdict measures the final network, so nothing over the budget ships.
 */
class MeasuredBudgetTest {
  @TempDir Path tmp;

  static final String TINY = SimulatedDevice.TINY_SUPERNET;

  @Test
  void theLatencyStageCalibratesAnUnderestimatingTableAndTheChoiceMeasuresWithinTheBudget() {
    // a part 20 µs + 4 µs per thousand parameters; a network 1.3 × its parts + 30 µs
    SimulatedDevice machine = new SimulatedDevice(20, 4, 1.3, 30);
    MeasuredLatencyModel m = new MeasuredLatencyModel("sim", machine, new PassTimer(1, 1, 4, 3, 0.2, 0), 1, tmp, true);
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    LatencyStage.Result r = LatencyStage.run(new LatencyStage.Request(space, 0, 0.6, 0, 0.3, 8, 6, 1), m);
    assertTrue(r.calibratedNow(), "a fresh machine is calibrated when profiled");
    Calibration c = r.calibration();
    assertNotNull(c);
    assertEquals(6, c.heldOutErrors().length);
    assertTrue(c.scale() > 1.15 && c.scale() < 1.45, "the fit finds the 1.3 factor: " + c.scale());
    assertTrue(c.maxAbsError() < 0.12, "held out within 12%: " + java.util.Arrays.toString(c.heldOutErrors()));
    assertTrue(c.relativeBand() >= c.maxAbsError());
    assertEquals(r.minMs() + 0.6 * (r.maxMs() - r.minMs()), r.budgetMs(), 1e-12, "budget-fraction resolved");
    assertEquals(r.minMs() + 0.3 * (r.maxMs() - r.minMs()), r.targetMs(), 1e-12, "target-fraction resolved");
    // the calibration is cached with the table: a second run (a new process) does not refit it
    MeasuredLatencyModel again = new MeasuredLatencyModel("sim", machine, new PassTimer(1, 1, 4, 3, 0.2, 0), 1, tmp,
        true);
    LatencyStage.Result second = LatencyStage.run(new LatencyStage.Request(space, 0, 0.6, 0, 0.3, 8, 6, 1), again);
    assertFalse(second.calibratedNow());
    assertEquals(c, second.calibration());

    // without the calibration the table underestimates this network by ~25%; scaled to a budget, the
    // choice is measured whole and fits the budget less its margin
    Architecture base = space.architecture(new int[space.blocks().size()]);
    again.useCalibration(false);
    double plainSum = new FixedLatency(again).totalMs(base);
    double truth = again.measureNetworks(List.of(base)).inTableUnits()[0];
    assertTrue(truth > 1.2 * plainSum, "the plain table underestimates: " + plainSum + " vs " + truth);
    again.useCalibration(true);
    double budget = 1.6 * truth;
    ScalingStage.Result s = ScalingStage.run(new ScalingStage.Request(base, budget, 0.03, ScalingSearch.Size.MACS,
        new ScalingSearch.Grid(ScalingSearch.Grid.steps(1, 2, 0.25), List.of(1.0), ScalingSearch.Grid.steps(1, 2, 0.25),
            List.of(), 8), true, io.s3nas.latency.MeasurementPolicy.ALL), again);
    assertTrue(s.measured());
    assertTrue(s.measuredMs() <= 0.97 * budget, "measured within the budget less its margin: " + s.measuredMs());
    assertTrue(s.measuredMs() >= 0.6 * budget, "and it uses the budget (a coarse grid): " + s.measuredMs() + " of " + budget);
    // a new process (each stage builds its platform anew) measuring a scaled network, none of whose parts
    // the table holds, still corrects the machine's drift: it times blocks the table does hold
    MeasuredLatencyModel fresh = new MeasuredLatencyModel("sim", machine, new PassTimer(1, 1, 4, 3, 0.2, 0), 1, tmp,
        true);
    Architecture wide = io.s3nas.scaling.CompoundScaler.scale(base, io.s3nas.scaling.Scaling.of(1.75, 1, 1));
    assertFalse(Double.isNaN(fresh.measureNetworks(List.of(wide)).drift()), "drift references from the table");
    ExportStage.LatencyVerdict v = ExportStage.latency(s.architecture(), again, budget);
    assertTrue(v.withinBudget(), "the final verdict, measured again: " + v.fields());
    assertEquals(1, v.measurementsMs().length, "within the budget at the first measurement");
    ExportStage.LatencyVerdict over = ExportStage.latency(s.architecture(), again, 0.8 * v.measuredMs());
    assertFalse(over.withinBudget());
    assertEquals(3, over.measurementsMs().length, "over the budget: measured three times before the verdict");
    assertTrue(over.estimatedMs() > 0 && over.bandMs() > 0, "the estimate and its band are reported");
  }

  @Test
  void theGateTrustsNetworksClearOfTheLimitAndMeasuresEachStraddlingOneOnce() {
    SimulatedDevice machine = new SimulatedDevice(20, 4, 1.3, 30);
    MeasuredLatencyModel m = new MeasuredLatencyModel("sim", machine, new PassTimer(1, 1, 4, 3, 0.2, 0), 1, tmp, true);
    SearchSpace space = SearchSpace.of(ModelJson.parse(TINY, "tiny"));
    LatencyStage.run(new LatencyStage.Request(space, 0, 0.6, 0, 0.3, 8, 6, 1), m);
    double band = m.calibration().relativeBand();
    assertFalse(Double.isNaN(band));
    io.s3nas.latency.MeasurementPolicy policy = new io.s3nas.latency.MeasurementPolicy(
        io.s3nas.latency.MeasurementPolicy.Mode.GATED, 0.05, true);
    io.s3nas.latency.MeasurementGate gate = policy.gate(m);
    Architecture base = space.architecture(new int[space.blocks().size()]);
    Architecture wider = io.s3nas.scaling.CompoundScaler.scale(base, io.s3nas.scaling.Scaling.of(1.25, 1, 1));
    double est = new FixedLatency(m.estimatingView()).totalMs(wider);
    double relative = band + 0.05;

    // far below the limit: trusted, nothing measured, the gate's band reported
    io.s3nas.postprocess.LatencyCost clear = new io.s3nas.postprocess.LatencyCost(m, gate, 3 * est);
    io.s3nas.postprocess.LatencyCost.Value v = clear.of(base, wider);
    assertEquals(est, v.candidateMs(), 1e-12);
    assertEquals(relative * est, v.uncertaintyMs(), 1e-9);
    assertTrue(v.method().startsWith("trusted within"), v.method());
    assertEquals(new io.s3nas.latency.MeasurementGate.Count(0, 2), clear.count());
    // a change adds what the calibration never timed: SE is measured however clear its estimate
    Architecture withSe = io.s3nas.postprocess.Change.se(0, 0.25).apply(wider);
    io.s3nas.postprocess.LatencyCost seCost = new io.s3nas.postprocess.LatencyCost(m, gate, 3 * est);
    assertTrue(seCost.of(wider, withSe).method().startsWith("measured"));
    assertEquals(2, seCost.count().measured());
    assertFalse(io.s3nas.latency.MeasurementGate.covered(wider, withSe));
    ExportStage.LatencyVerdict shippedWithSe = ExportStage.latency(withSe, m, 3 * est, gate, 0.03, base);
    assertEquals(1, shippedWithSe.measurementsMs().length, "the final check too measures what the base lacked");
    // two opinions: a limit below the estimate's lower band edge is one no measurement can clear
    assertTrue(clear.estimateAgrees(wider, est));
    assertTrue(clear.estimateAgrees(wider, est * (1 - band) * 1.001));
    assertFalse(clear.estimateAgrees(wider, est * (1 - band) * 0.999));
    // wholly above the limit: trusted over, nothing measured
    io.s3nas.postprocess.LatencyCost above = new io.s3nas.postprocess.LatencyCost(m, gate, 0.5 * est);
    assertTrue(above.of(base, wider).method().startsWith("trusted over"));
    assertEquals(0, above.count().measured());

    // at the limit: measured, base and candidate; the base is not measured a second time
    io.s3nas.postprocess.LatencyCost straddling = new io.s3nas.postprocess.LatencyCost(m, gate, est);
    io.s3nas.postprocess.LatencyCost.Value w = straddling.of(base, wider);
    assertEquals(0, w.uncertaintyMs());
    assertTrue(w.method().startsWith("measured"), w.method());
    // another candidate that straddles the same limit (a different network: channels round to multiples of 8)
    Architecture wider2 = java.util.stream.Stream.of(1.5, 1.2, 1.1, 1.3).map(r -> io.s3nas.scaling.CompoundScaler.scale(
        base, io.s3nas.scaling.Scaling.of(1.25, 1, r))).filter(a -> !a.spec().equals(wider.spec())
            && gate.decide(new FixedLatency(m.estimatingView()).totalMs(a), est)
            == io.s3nas.latency.MeasurementGate.Call.MEASURE).findFirst().orElseThrow();
    io.s3nas.postprocess.LatencyCost.Value w2 = straddling.of(base, wider2);
    assertEquals(w.baseMs(), w2.baseMs(), 0, "the base's one measurement, reused");
    assertEquals(new io.s3nas.latency.MeasurementGate.Count(3, 4), straddling.count());
    // asked again: the measurements, not timed a second time
    io.s3nas.postprocess.LatencyCost.Value again = straddling.of(base, wider);
    assertEquals(w.candidateMs(), again.candidateMs(), 0);
    assertEquals(new io.s3nas.latency.MeasurementGate.Count(3, 6), straddling.count());
    // the measure-everything policy measures both networks of every comparison
    io.s3nas.postprocess.LatencyCost everything = new io.s3nas.postprocess.LatencyCost(m,
        io.s3nas.latency.MeasurementPolicy.ALL.gate(m), 3 * est);
    everything.of(base, wider);
    assertEquals(new io.s3nas.latency.MeasurementGate.Count(2, 2), everything.count());

    // the final check: trusted when clear of the budget less its margin, measured when it straddles
    ExportStage.LatencyVerdict trusted = ExportStage.latency(wider, m, 3 * est, gate, 0.03, base);
    assertTrue(trusted.withinBudget());
    assertEquals(0, trusted.measurementsMs().length);
    assertTrue(trusted.trusted() != null && trusted.fields().get("latency_trusted") != null, trusted.fields().toString());
    assertEquals(new io.s3nas.latency.MeasurementGate.Count(0, 1), trusted.count());
    ExportStage.LatencyVerdict measured = ExportStage.latency(wider, m, 1.02 * est, gate, 0.03, base);
    assertTrue(measured.measurementsMs().length >= 1, "straddling: measured");
    assertEquals(null, measured.trusted());
    // without gate-final-check the shipped network is measured however clear it is
    ExportStage.LatencyVerdict always = ExportStage.latency(wider, m, 3 * est, new io.s3nas.latency.MeasurementPolicy(
        io.s3nas.latency.MeasurementPolicy.Mode.GATED, 0.05, false).gate(m), 0.03, base);
    assertEquals(1, always.measurementsMs().length);
  }
}
