package io.porthole.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The raw results file the runner and the drivers append to, one line each, tab separated: {@code m
 * KEY UNIT V1 V2 ...} (a measured series), {@code i KEY VALUE} (a fact about the run), {@code n KEY
 * REASON} (a figure that could not be measured, and why). {@link Report} reads it.
 */
final class Results {

  private final Path file;

  Results(Path file) {
    this.file = file;
  }

  static Results fromSystemProperty() {
    String path = System.getProperty("bench.results");
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(
          "system property bench.results (the raw results file) is not set");
    }
    return new Results(Path.of(path));
  }

  void measured(String key, String unit, List<Double> values) {
    if (values.isEmpty()) {
      // An empty series is no figure: say so rather than write a line the report cannot read.
      notMeasured(key, "the driver produced no values");
      return;
    }
    append(
        "m\t"
            + key
            + "\t"
            + unit
            + "\t"
            + values.stream()
                .map(v -> String.format(Locale.ROOT, "%.6g", v))
                .collect(Collectors.joining(" ")));
  }

  void info(String key, Object value) {
    append("i\t" + key + "\t" + String.valueOf(value).replace('\t', ' ').replace('\n', ' '));
  }

  void notMeasured(String key, String reason) {
    append("n\t" + key + "\t" + reason.replace('\t', ' ').replace('\n', ' '));
  }

  private synchronized void append(String line) {
    try {
      Files.writeString(
          file,
          line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new IllegalStateException("cannot append to " + file + ": " + e.getMessage(), e);
    }
    System.out.println("[bench] " + line);
  }
}
