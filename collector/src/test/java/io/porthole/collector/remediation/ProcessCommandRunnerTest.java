package io.porthole.collector.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runner with real processes: timeouts fire, and output is bounded. */
class ProcessCommandRunnerTest {

  private final ProcessCommandRunner runner = new ProcessCommandRunner();

  @Test
  void aProcessThatOutlivesItsTimeoutIsKilledWhenTheTimeoutFires() {
    long started = System.nanoTime();

    assertThatThrownBy(() -> runner.run(List.of("sleep", "30"), Duration.ofMillis(500)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sleep 30 did not finish within 500 ms and was killed");

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aChildThatKeepsStdoutOpenDoesNotHoldTheRunner() throws IOException {
    // Reading stdout to its end before waiting would block until the background sleep ends.
    long started = System.nanoTime();

    ProcessOutput output =
        runner.run(List.of("sh", "-c", "sleep 8 & echo answered"), Duration.ofSeconds(5));

    assertThat(output.exitCode()).isZero();
    assertThat(output.stdout()).startsWith("answered");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void outputIsKeptUpToTheBoundAndTheProcessStillFinishes() throws IOException {
    ProcessOutput output =
        runner.run(List.of("head", "-c", "3000000", "/dev/zero"), Duration.ofSeconds(10));

    assertThat(output.exitCode()).isZero();
    assertThat(output.stdout())
        .endsWith("[output truncated at " + ProcessCommandRunner.MAX_OUTPUT_BYTES + " bytes]");
    assertThat(output.stdout().length()).isLessThan(ProcessCommandRunner.MAX_OUTPUT_BYTES + 100);
  }

  @Test
  void exitCodeAndStderrAreReported() throws IOException {
    ProcessOutput output =
        runner.run(List.of("sh", "-c", "echo oops >&2; exit 3"), Duration.ofSeconds(5));

    assertThat(output.exitCode()).isEqualTo(3);
    assertThat(output.describe()).isEqualTo("sh -c echo oops >&2; exit 3 exited with 3: oops");
  }
}
