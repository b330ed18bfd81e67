package io.porthole.collector.remediation;

import java.util.List;

/** What a finished command printed and how it exited. */
public record ProcessOutput(List<String> command, int exitCode, String stdout, String stderr) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** One line for results and logs: the command, its exit code and what it said on stderr. */
  public String describe() {
    String said = stderr.isBlank() ? stdout.strip() : stderr.strip();
    return String.join(" ", command)
        + " exited with "
        + exitCode
        + (said.isEmpty() ? "" : ": " + said);
  }
}
