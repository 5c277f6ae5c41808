package io.s3nas.nn.infer;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A forward pass compiled for one batch size: every activation buffer is allocated once and every
 * op object is built once, bound to its buffers; a pass only executes the ops. Steady-state passes
 * therefore allocate (almost) nothing, which keeps both latency and its measurement stable — with
 * per-pass allocation ND4J's off-heap buffers are only freed by Java GC and timings wander by
 * ±40% between GC phases (docs/platform-notes.md §1).
 */
final class Plan {
  private final List<Runnable> steps = new ArrayList<>();

  INDArray alloc(long... shape) {
    return Nd4j.create(DataType.FLOAT, shape);
  }

  void exec(CustomOp op) {
    steps.add(() -> Nd4j.getExecutioner().exec(op));
  }

  void exec(Op op) {
    steps.add(() -> Nd4j.getExecutioner().exec(op));
  }

  void step(Runnable r) {
    steps.add(r);
  }

  void run() {
    for (Runnable r : steps) {
      r.run();
    }
  }

  int size() {
    return steps.size();
  }
}
