package io.s3nas.cli;

import io.s3nas.actors.SearchSpec;
import io.s3nas.actors.SearchSpecs;
import io.s3nas.space.Architecture;
import io.s3nas.space.ModelJson;
import io.s3nas.space.ModelSpec;
import io.s3nas.space.SearchSpace;
import io.s3nas.stages.TrainingMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The Java heap, in MiB, that {@code scripts/s3nas} gives a training command, from what its training
 * keeps ({@link TrainingMemory#heapMib}). Prints nothing when the need is not known before the run (a
 * search whose scaling is not capped, other commands, input the command itself will refuse): the
 * launcher then keeps its share of the machine. Run by the launcher only, with the command's own
 * arguments.
 */
public final class HeapAdvice {
  private HeapAdvice() {}

  public static void main(String[] args) {
    OptionalLong bytes;
    try {
      bytes = activationBytes(List.of(args));
    } catch (RuntimeException e) {
      return; // the command reports its own input errors, with exit 2
    }
    if (bytes.isPresent()) {
      System.out.println(TrainingMemory.heapMib(bytes.getAsLong()));
    }
  }

  static OptionalLong activationBytes(List<String> args) {
    if (args.isEmpty()) {
      return OptionalLong.empty();
    }
    Path confDir = option(args, "--conf-dir").map(Path::of).orElseGet(HeapAdvice::defaultConfDir);
    switch (args.get(0)) {
      case "search", "sweep" -> { // a sweep runs the config's searches one after another
        String config = option(args, "--config").orElse(null);
        if (config == null) {
          return OptionalLong.empty();
        }
        SearchSpec spec = SearchSpecs.read(Path.of(config));
        SearchSpace space = SearchSpace.of(model(spec.supernet(), confDir));
        return TrainingMemory.search(space, spec.batch(), spec.settings().scalingMaxMacs(), spec.settings().seRatio());
      }
      case "fork" -> { // a fork trains what its source's spec says: its run folder holds that spec
        Path runDir = Path.of(option(args, "--run-dir").orElse("runs/search"));
        String id = option(args, "--id").orElse(null);
        for (String a : args.subList(1, args.size())) {
          Path spec = runDir.resolve(a).resolve("spec.json");
          if (!a.startsWith("-") && !a.equals(id) && !a.contains("/") && Files.isRegularFile(spec)) {
            SearchSpec s = readSpec(spec);
            SearchSpace space = SearchSpace.of(model(s.supernet(), confDir));
            return TrainingMemory.search(space, s.batch(), s.settings().scalingMaxMacs(), s.settings().seRatio());
          }
        }
        return OptionalLong.empty();
      }
      case "supernet-search" -> {
        SearchSpace space = SearchSpace.of(model(option(args, "--supernet").orElseThrow(), confDir));
        return OptionalLong.of(TrainingMemory.supernet(space, batch(args)));
      }
      case "train" -> {
        Architecture arch = Architecture.of(model(option(args, "--arch").orElseThrow(), confDir), "--arch");
        return OptionalLong.of(TrainingMemory.network(arch, batch(args)));
      }
      default -> {
        return OptionalLong.empty();
      }
    }
  }

  private static SearchSpec readSpec(Path file) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readValue(file.toFile(), SearchSpec.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int batch(List<String> args) {
    return option(args, "--batch").map(Integer::parseInt).orElse(128);
  }

  private static ModelSpec model(String ref, Path confDir) {
    Path p = Path.of(ref);
    return ModelJson.read(Files.isRegularFile(p) ? p : confDir.resolve("supernets").resolve(ref.endsWith(".json") ? ref : ref + ".json"));
  }

  private static Path defaultConfDir() {
    String home = System.getProperty("s3nas.home", System.getenv("S3NAS_HOME"));
    return home != null ? Path.of(home, "conf") : Path.of("conf");
  }

  private static java.util.Optional<String> option(List<String> args, String name) {
    for (int i = 1; i < args.size(); i++) {
      if (args.get(i).equals(name) && i + 1 < args.size()) {
        return java.util.Optional.of(args.get(i + 1));
      }
      if (args.get(i).startsWith(name + "=")) {
        return java.util.Optional.of(args.get(i).substring(name.length() + 1));
      }
    }
    return java.util.Optional.empty();
  }
}
