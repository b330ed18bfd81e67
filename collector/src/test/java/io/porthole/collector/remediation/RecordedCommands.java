package io.porthole.collector.remediation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link CommandRunner} that answers with recorded outputs and remembers every command it was given. */
final class RecordedCommands implements CommandRunner {

  final List<String> ran = new ArrayList<>();
  private final Map<String, ProcessOutput> answers = new LinkedHashMap<>();

  RecordedCommands answer(String command, int exitCode, String stdout, String stderr) {
    answers.put(command, new ProcessOutput(List.of(command.split(" ")), exitCode, stdout, stderr));
    return this;
  }

  RecordedCommands answer(String command, String stdout) {
    return answer(command, 0, stdout, "");
  }

  @Override
  public ProcessOutput run(List<String> command, Duration timeout) {
    String line = String.join(" ", command);
    ran.add(line);
    ProcessOutput output = answers.get(line);
    if (output == null) {
      throw new AssertionError("unexpected command: " + line);
    }
    return output;
  }
}
