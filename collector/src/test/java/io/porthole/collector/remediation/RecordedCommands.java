package io.porthole.collector.remediation;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link CommandRunner} that answers with recorded outputs and remembers every command it was
 * given. A command can have a sequence of answers ({@link #then}): each call takes the next one,
 * and the last one repeats.
 */
final class RecordedCommands implements CommandRunner {

  final List<String> ran = new ArrayList<>();
  private final Map<String, Deque<ProcessOutput>> answers = new LinkedHashMap<>();

  RecordedCommands answer(String command, int exitCode, String stdout, String stderr) {
    answers.put(command, new ArrayDeque<>(List.of(output(command, exitCode, stdout, stderr))));
    return this;
  }

  /** The answer to {@code command} after the ones already recorded. */
  RecordedCommands then(String command, String stdout) {
    answers.computeIfAbsent(command, c -> new ArrayDeque<>()).add(output(command, 0, stdout, ""));
    return this;
  }

  RecordedCommands answer(String command, String stdout) {
    return answer(command, 0, stdout, "");
  }

  @Override
  public ProcessOutput run(List<String> command, Duration timeout) {
    String line = String.join(" ", command);
    ran.add(line);
    Deque<ProcessOutput> outputs = answers.get(line);
    if (outputs == null || outputs.isEmpty()) {
      throw new AssertionError("unexpected command: " + line);
    }
    return outputs.size() > 1 ? outputs.poll() : outputs.peek();
  }

  private static ProcessOutput output(String command, int exitCode, String stdout, String stderr) {
    return new ProcessOutput(List.of(command.split(" ")), exitCode, stdout, stderr);
  }
}
