package io.s3nas.space;

import java.util.List;

/**
 * One depthwise superkernel of a searchable block (a MixConv branch, or the only branch of MBConv
 * and fused blocks), docs/method.md §1.2 and §2.2: nested kernel options 3..kmax step 2 and channel
 * options in multiples of 2·in, with expansion 0 (the branch zeroed) first when it may be zeroed.
 */
public record Branch(int maxKernel, List<Integer> kernelOptions, List<Integer> expansionOptions, boolean canZeroOut) {
  public Branch {
    kernelOptions = List.copyOf(kernelOptions);
    expansionOptions = List.copyOf(expansionOptions);
  }

  /** Number of (kernel, expansion) choices; zero-expansion choices ignore the kernel. */
  public int choiceCount() {
    return kernelOptions.size() * expansionOptions.size();
  }
}
