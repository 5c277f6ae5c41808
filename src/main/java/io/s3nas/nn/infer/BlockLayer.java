package io.s3nas.nn.infer;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * An MBConv / MixConv / fused block at inference: front (1x1 expand, or the fused k×k conv),
 * depthwise branches over channel groups (MixConv with unequal splits), optional SE, 1x1
 * projection, residual add.
 */
final class BlockLayer implements Layer {
  private final Layer front;
  private final List<ConvLayer> branches;
  private final int[] groups;
  private final SeLayer se;
  private final ConvLayer project;
  private final boolean residual;

  BlockLayer(Layer front, List<ConvLayer> branches, int[] groups, SeLayer se, ConvLayer project, boolean residual) {
    this.front = front;
    this.branches = branches;
    this.groups = groups;
    this.se = se;
    this.project = project;
    this.residual = residual;
  }

  @Override
  public INDArray compile(Plan plan, INDArray x) {
    INDArray h = front == null ? x : front.compile(plan, x);
    if (branches.size() == 1) {
      h = branches.get(0).compile(plan, h);
    } else if (!branches.isEmpty()) {
      INDArray[] outs = new INDArray[branches.size()];
      int start = 0;
      for (int b = 0; b < branches.size(); b++) {
        INDArray view = h.get(NDArrayIndex.all(), NDArrayIndex.interval(start, start + groups[b]),
            NDArrayIndex.all(), NDArrayIndex.all());
        INDArray slice = plan.alloc(view.shape());
        plan.step(() -> slice.assign(view));
        outs[b] = branches.get(b).compile(plan, slice);
        start += groups[b];
      }
      long[] s = outs[0].shape();
      INDArray cat = plan.alloc(s[0], start, s[2], s[3]);
      int at = 0;
      for (int b = 0; b < outs.length; b++) {
        INDArray target = cat.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + groups[b]),
            NDArrayIndex.all(), NDArrayIndex.all());
        INDArray src = outs[b];
        plan.step(() -> target.assign(src));
        at += groups[b];
      }
      h = cat;
    }
    if (se != null) {
      se.compile(plan, h);
    }
    INDArray out = project.compile(plan, h);
    if (residual) {
      plan.exec(new AddOp(out, x, out));
    }
    return out;
  }
}
