package io.s3nas.space;

import java.util.Arrays;
import java.util.Optional;

/**
 * Block-type codes of the S3NAS block string ({@code c<code>}, docs/method.md §12). The code is a block
 * class, not a channel count. Searchable types are supernet blocks; each resolves to a final type
 * once a kernel and expansion have been chosen.
 */
public enum BlockType {
  MBCONV(0, "MBConvBlock", false),
  SEARCHABLE_MBCONV(12, "SearchableMBConvBlock", true),
  CONV_KXK_1X1(15, "ConvBlock_kxk1x1", false),
  SEARCHABLE_CONV_KXK_1X1(16, "SearchableConvBlock_kxk1x1", true),
  MIXCONV(100, "MixConvBlock", false),
  SEARCHABLE_MIXCONV(102, "SearchableMixConvBlock", true);

  private final int code;
  private final String className;
  private final boolean searchable;

  BlockType(int code, String className, boolean searchable) {
    this.code = code;
    this.className = className;
    this.searchable = searchable;
  }

  public int code() {
    return code;
  }

  /** The class name S3NAS uses, which is also the latency-table folder of final blocks. */
  public String className() {
    return className;
  }

  public boolean searchable() {
    return searchable;
  }

  /** Whether the block carries one kernel per MixConv branch (lists in k and e). */
  public boolean multiBranch() {
    return this == MIXCONV || this == SEARCHABLE_MIXCONV;
  }

  /** Whether the front conv is a full k×k conv (fused) rather than 1x1 expand + depthwise. */
  public boolean fused() {
    return this == CONV_KXK_1X1 || this == SEARCHABLE_CONV_KXK_1X1;
  }

  public static Optional<BlockType> ofCode(int code) {
    return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
  }

  /**
   * The final type of a chosen outcome: MixConv outcomes with a single kernel become plain MBConv
   * blocks (docs/method.md §3), several kernels a MixConv block.
   */
  public BlockType finalTypeFor(int kernelCount) {
    return switch (this) {
      case MBCONV, SEARCHABLE_MBCONV -> MBCONV;
      case CONV_KXK_1X1, SEARCHABLE_CONV_KXK_1X1 -> CONV_KXK_1X1;
      case MIXCONV, SEARCHABLE_MIXCONV -> kernelCount == 1 ? MBCONV : MIXCONV;
    };
  }
}
