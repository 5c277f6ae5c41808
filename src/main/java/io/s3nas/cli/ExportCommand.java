package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
import io.s3nas.common.AtomicFiles;
import io.s3nas.export.Dl4jExporter;
import io.s3nas.export.OnnxExporter;
import io.s3nas.export.OnnxRuntimeCheck;
import io.s3nas.nn.infer.InferenceNet;
import io.s3nas.nn.infer.TrainedWeights;
import io.s3nas.train.ModelFile;
import io.s3nas.train.TrainedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas export}: a saved model to ONNX (verified in ONNX Runtime against the ND4J network with
 * the same folded weights) or to a DL4J ComputationGraph (verified in DL4J the same way), before the
 * file is written.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Export a trained model to ONNX (default) or DL4J and verify it against ND4J (max |diff| <= 1e-4).")
public final class ExportCommand implements Callable<Integer> {
  static final double TOLERANCE = 1e-4;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE",
      description = "Saved model (s3nas train --out)")
  Path model;
  @Option(names = "--format", defaultValue = "onnx", description = "Export format: onnx (input normalised, "
      + "normalisation in the metadata) or dl4j (a DL4J ComputationGraph file: input pixels in [0, 1], normalised "
      + "by its first layer, output class probabilities)") String format;
  @Option(names = "--out", paramLabel = "FILE",
      description = "Output file (default: the model path with .onnx, or .dl4j.zip)")
  Path out;
  @Option(names = "--check-batch", defaultValue = "4",
      description = "Random images compared in the verification (default ${DEFAULT-VALUE})")
  int checkBatch;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    if (!format.equals("onnx") && !format.equals("dl4j")) {
      throw new InvalidInputException("--format", null, "onnx or dl4j, got '" + format + "'");
    }
    if (checkBatch < 1) {
      throw new InvalidInputException("--check-batch", null, "a positive number of images");
    }
    TrainedModel m = ModelFile.read(model);
    String stem = model.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    Path target = out != null ? out : model.resolveSibling(stem + (format.equals("onnx") ? ".onnx" : ".dl4j.zip"));
    TrainedWeights w = new TrainedWeights(m.tensors(), m.bnEpsilon());
    InferenceNet nd4j = InferenceNet.of(m.architecture(), w);
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    try {
      double diff;
      String runtime;
      if (format.equals("onnx")) {
        byte[] onnx = OnnxExporter.network(m.architecture(), w, m.normalization(), "s3nas export of "
            + model.getFileName());
        diff = OnnxRuntimeCheck.maxAbsDifference(onnx, nd4j, checkBatch, 1);
        runtime = "ONNX Runtime";
        Files.write(tmp, onnx);
      } else {
        ComputationGraph net = Dl4jExporter.network(m.architecture(), w, m.normalization());
        diff = Dl4jExporter.maxAbsDifference(net, nd4j, m.normalization(), checkBatch, 1);
        runtime = "DL4J";
        Dl4jExporter.write(net, tmp.toFile());
      }
      if (!(diff <= TOLERANCE)) {
        spec.commandLine().getErr().printf("export failed verification: %s and ND4J differ by %.3g (> %.0e); "
            + "nothing written%n", runtime, diff, TOLERANCE);
        return 1;
      }
      AtomicFiles.move(tmp, target);
      long bytes = Files.size(target);
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("model", model.toString());
      o.put("format", format);
      o.put(format.equals("onnx") ? "onnx" : "dl4j", target.toString());
      o.put("bytes", bytes);
      if (format.equals("onnx")) {
        o.put("opset", 14);
      }
      o.put("max_abs_difference", diff);
      o.put("input", List.of("N", m.architecture().spec().imgChannels(), m.architecture().spec().imgSize(),
          m.architecture().spec().imgSize()));
      PrintWriter pw = spec.commandLine().getOut();
      if (json) {
        pw.println(Json.of(o));
      } else if (format.equals("onnx")) {
        pw.printf("wrote %s (%,d bytes, opset 14, input %s [N, C, H, W] normalised); ONNX Runtime vs ND4J max |diff| "
            + "%.2g over %d images%n", target, bytes, OnnxExporter.INPUT, diff, checkBatch);
      } else {
        pw.printf("wrote %s (%,d bytes, a DL4J ComputationGraph: input [N, C, H, W] pixels in [0, 1], output class "
            + "probabilities); DL4J vs ND4J max |diff| %.2g over %d images%n", target, bytes, diff, checkBatch);
      }
      return 0;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
