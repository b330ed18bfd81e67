package io.porthole.collector.remediation;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Runs a host command (ip, nsenter) to completion. Blocking: call it on a worker thread. */
@FunctionalInterface
public interface CommandRunner {

  /**
   * @throws IOException when the command cannot be started or does not finish within the timeout
   */
  ProcessOutput run(List<String> command, Duration timeout) throws IOException;
}
