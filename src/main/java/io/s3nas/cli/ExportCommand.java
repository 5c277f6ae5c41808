package io.s3nas.cli;

import io.s3nas.common.InvalidInputException;
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
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code s3nas export}: a saved model to ONNX, verified in ONNX Runtime against the ND4J network
 * with the same folded weights before the file is written.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Export a trained model to ONNX and verify it in ONNX Runtime against ND4J (max |diff| <= 1e-4).")
public final class ExportCommand implements Callable<Integer> {
  static final double TOLERANCE = 1e-4;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE",
      description = "Saved model (s3nas train --out)")
  Path model;
  @Option(names = "--format", defaultValue = "onnx", description = "Export format (onnx)") String format;
  @Option(names = "--out", paramLabel = "FILE",
      description = "Output file (default: the model path with .onnx)")
  Path out;
  @Option(names = "--check-batch", defaultValue = "4",
      description = "Random images compared in the verification (default ${DEFAULT-VALUE})")
  int checkBatch;
  @Option(names = "--json") boolean json;

  @Override
  public Integer call() throws IOException {
    if (!format.equals("onnx")) {
      throw new InvalidInputException("--format", null, "onnx, got '" + format + "'");
    }
    if (checkBatch < 1) {
      throw new InvalidInputException("--check-batch", null, "a positive number of images");
    }
    TrainedModel m = ModelFile.read(model);
    Path target = out != null ? out : model.resolveSibling(model.getFileName().toString().replaceFirst("\\.[^.]*$", "") + ".onnx");
    TrainedWeights w = new TrainedWeights(m.tensors(), m.bnEpsilon());
    byte[] onnx = OnnxExporter.network(m.architecture(), w, m.normalization(), "s3nas export of " + model.getFileName());
    double diff = OnnxRuntimeCheck.maxAbsDifference(onnx, InferenceNet.of(m.architecture(), w), checkBatch, 1);
    PrintWriter pw = spec.commandLine().getOut();
    if (!(diff <= TOLERANCE)) {
      spec.commandLine().getErr().printf("export failed verification: ONNX Runtime and ND4J differ by %.3g (> %.0e); "
          + "nothing written%n", diff, TOLERANCE);
      return 1;
    }
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    Files.write(tmp, onnx);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("model", model.toString());
    o.put("onnx", target.toString());
    o.put("bytes", onnx.length);
    o.put("opset", 14);
    o.put("max_abs_difference", diff);
    o.put("input", List.of("N", m.architecture().spec().imgChannels(), m.architecture().spec().imgSize(),
        m.architecture().spec().imgSize()));
    if (json) {
      pw.println(Json.of(o));
    } else {
      pw.printf("wrote %s (%,d bytes, opset 14, input %s [N, C, H, W] normalised); ONNX Runtime vs ND4J max |diff| "
          + "%.2g over %d images%n", target, onnx.length, OnnxExporter.INPUT, diff, checkBatch);
    }
    return 0;
  }
}
