package io.s3nas.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.s3nas.SimulatedDevice;
import io.s3nas.latency.measured.MeasuredLatencyModel;
import io.s3nas.latency.measured.PassTimer;
import io.s3nas.scaling.CompoundScaler;
import io.s3nas.scaling.Scaling;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.SearchSpace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine whose speed changes between sessions (a shared VM): measurements come back in the
 * table's units, and components measured on a slow day join the table at their fast-day times.
 */
class MachineDriftTest {
  @TempDir Path tmp;

  @Test
  void measurementsAndNewEntriesAreBroughtBackToTheTablesSpeed() {
    SimulatedDevice machine = new SimulatedDevice(50, 20, 1, 0);
    MeasuredLatencyModel m = new MeasuredLatencyModel("sim", machine, new PassTimer(1, 1, 5, 4, 0.2, 0), 1, tmp, false);
    SearchSpace space = SearchSpace.of(ModelJson.parse(MeasuredLatencyModelTest.TINY, "tiny"));
    Architecture a = space.architecture(new int[space.blocks().size()]);
    double table = new FixedLatency(m).totalMs(a); // profiled at full speed
    machine.slowdown = 2;
    NetworkMeasurement now = m.measureNetworks(List.of(a));
    assertEquals(2, now.drift(), 0.25, "the machine runs at half speed");
    assertEquals(table, now.inTableUnits()[0], 0.2 * table, "in table units the network measures its table sum");
    Architecture wider = CompoundScaler.scale(a, Scaling.of(1.5, 1, 1));
    double fresh = new FixedLatency(m).totalMs(wider); // its blocks are new: measured at half speed
    double truth = NetworkLatency.components(wider).stream().filter(c -> !(c instanceof Component.Pool))
        .mapToDouble(machine::micros).sum() / 1000;
    assertEquals(truth, fresh, 0.2 * truth, "new entries are stored at the table's speed, not today's");
  }
}
