package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.app.Porthole;
import io.porthole.app.ServiceFactory;
import io.porthole.collector.EventSink;
import io.porthole.runtime.Settings;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Parsing, usage and exit codes of the command line, in process (no Kafka, no Docker). */
class PortholeTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Porthole.run(
        new NoServices(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        args);
  }

  @Test
  void everyCommandHasHelpAndExitsZero() {
    for (String command :
        new String[] {"up", "collector", "analyzer", "controller", "tail", "replay", "demo"}) {
      out.reset();
      assertThat(run(command, "--help")).as(command).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8))
          .as(command)
          .startsWith("Usage: porthole " + command);
    }
  }

  @Test
  void anUnknownOptionIsAUsageErrorWithExitCode2AndAHint() {
    assertThat(run("up", "--bogus")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("Unknown option: '--bogus'")
        .contains("porthole up --help");
  }

  @Test
  void demoKeepRunningTakesNothingOrADuration() {
    assertThat(run("demo", "--keep-running=soon")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--keep-running").contains("'soon'");
    err.reset();
    assertThat(run("demo", "--keep-running", "0")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--keep-running");
    out.reset();
    assertThat(run("demo", "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--keep-running[=DURATION]");
  }

  @Test
  void noCommandPrintsTheUsageAndExits2() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Commands:").contains("demo");
  }

  @Test
  void anUnknownTopicNamesTheKnownOnes() {
    assertThat(run("tail", "nope", "--kafka", "127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("unknown topic 'nope'")
        .contains("container-events");
  }

  @Test
  void replayNeedsExactlyOneInputAndTheContainerIpForPcap() {
    assertThat(run("replay", "--host-id", "h", "--container-id", "c")).isEqualTo(2);
    assertThat(
            run("replay", "--strace", "a", "--pcap", "b", "--host-id", "h", "--container-id", "c"))
        .isEqualTo(2);
    err.reset();
    assertThat(
            run("replay", "--strace", "/does/not/exist", "--host-id", "h", "--container-id", "c"))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot read /does/not/exist");
  }

  @Test
  void aBadKafkaAddressIsAConfigurationErrorNamingTheKey() {
    assertThat(run("tail", "alerts", "--kafka", "no-port-here")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("kafka.bootstrap.servers")
        .contains("HOST:PORT");
  }

  /** The commands above must fail before any service is asked for. */
  private static final class NoServices implements ServiceFactory {
    @Override
    public ServiceHandle collector(Vertx vertx, Settings settings) {
      throw new AssertionError("not expected");
    }

    @Override
    public ServiceHandle analyzer(Vertx vertx, Settings settings) {
      throw new AssertionError("not expected");
    }

    @Override
    public ControllerHandle controller(Vertx vertx, Settings settings) {
      throw new AssertionError("not expected");
    }

    @Override
    public ReplayOutcome replayStrace(
        Path file, String hostId, String containerId, EventSink sink) {
      throw new AssertionError("not expected");
    }

    @Override
    public ReplayOutcome replayPcap(
        Path file, String hostId, String containerId, String containerIp, EventSink sink) {
      throw new AssertionError("not expected");
    }
  }
}
