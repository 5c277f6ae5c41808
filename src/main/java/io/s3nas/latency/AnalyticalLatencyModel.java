package io.s3nas.latency;

/**
 * Latency of a device nobody has measured yet, from its data sheet: every primitive layer costs
 * the larger of its compute time (MACs / peak MAC rate) and its memory time (bytes moved /
 * bandwidth), plus a fixed per-layer overhead (kernel launch, synchronisation). A roofline model:
 * coarse, but monotone in the right quantities, so a search against it prefers the right shapes.
 */
public final class AnalyticalLatencyModel implements LatencyModel {
  private final String platform;
  private final double peakGmacs;
  private final double bandwidthGbs;
  private final double layerOverheadUs;
  private final int bytesPerElement;

  public AnalyticalLatencyModel(String platform, double peakGmacs, double bandwidthGbs, double layerOverheadUs,
                                int bytesPerElement) {
    if (!(peakGmacs > 0) || !(bandwidthGbs > 0) || layerOverheadUs < 0 || bytesPerElement < 1) {
      throw new IllegalArgumentException("analytical model needs peak-gmacs > 0, bandwidth-gbs > 0, "
          + "layer-overhead-us >= 0, bytes-per-element >= 1");
    }
    this.platform = platform;
    this.peakGmacs = peakGmacs;
    this.bandwidthGbs = bandwidthGbs;
    this.layerOverheadUs = layerOverheadUs;
    this.bytesPerElement = bytesPerElement;
  }

  @Override
  public String platform() {
    return platform;
  }

  @Override
  public ComponentLatency latency(Component c) {
    double ms = 0;
    for (ComponentFeatures.Layer l : ComponentFeatures.layers(c)) {
      double computeMs = l.macs() / (peakGmacs * 1e9) * 1e3;
      double bytes = (double) (l.weights() + l.inputElements() + l.outputElements()) * bytesPerElement;
      double memoryMs = bytes / (bandwidthGbs * 1e9) * 1e3;
      ms += Math.max(computeMs, memoryMs) + layerOverheadUs / 1e3;
    }
    return new ComponentLatency(ms, LatencySource.ANALYTICAL);
  }
}
