package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way `porthole` cannot do what it was asked: one clear line and the right exit code. */
class CliFailureModesIT {

  private static final Duration EXIT = Duration.ofSeconds(60);

  @TempDir Path dataDir;

  @Test
  void anUnreachableKafkaIsOneLineAndExitCode1() throws Exception {
    try (PortholeProcess up =
        PortholeProcess.start(
            "up", "--kafka", "127.0.0.1:1", "--data-dir", dataDir.toString(), "--http-port", "0")) {
      assertThat(up.awaitExit(EXIT)).isEqualTo(1);
      assertThat(up.err())
          .anyMatch(
              line ->
                  line.startsWith(
                      "porthole: cannot reach Kafka at 127.0.0.1:1 within 10 s: check "
                          + "the address"));
      assertThat(up.out()).noneMatch(line -> line.startsWith("kafka: "));
    }
  }

  @Test
  void aControllerPortInUseNamesThePortAndHowToChooseAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"));
        PortholeProcess up =
            PortholeProcess.start(
                "up",
                "--http-port",
                String.valueOf(taken.getLocalPort()),
                "--data-dir",
                dataDir.toString())) {
      assertThat(up.awaitExit(EXIT)).isEqualTo(1);
      assertThat(up.err())
          .anyMatch(
              line ->
                  line.contains("port " + taken.getLocalPort())
                      && line.contains("already in use")
                      && line.contains("--http-port"));
    }
  }

  @Test
  void aMetricsPortInUseIsOneLineNamingTheAddressAndThePort() throws Exception {
    for (String service : List.of("analyzer", "collector")) {
      try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
          PortholeProcess alone =
              PortholeProcess.start(
                  service,
                  "--kafka",
                  "127.0.0.1:1",
                  "--http-host",
                  "127.0.0.1",
                  "--http-port",
                  String.valueOf(taken.getLocalPort()),
                  "--data-dir",
                  dataDir.toString())) {
        assertThat(alone.awaitExit(EXIT)).as(alone.transcript()).isEqualTo(1);
        assertThat(alone.err().stream().filter(line -> line.startsWith("porthole: ")))
            .as(alone.transcript())
            .containsExactly(
                "porthole: port "
                    + taken.getLocalPort()
                    + " on 127.0.0.1 is already in use, so the "
                    + service
                    + "'s metrics and health endpoint cannot listen there: stop the process using"
                    + " it (ss -ltnp 'sport = :"
                    + taken.getLocalPort()
                    + "') or choose another port with --http-port N (0 picks a free one)");
        assertThat(alone.out()).noneMatch(line -> line.startsWith("metrics: "));
      }
    }
  }

  @Test
  void anHttpHostThatIsNotOfThisMachineIsOneLineAlsoWithPortZero() throws Exception {
    // 192.0.2.1 is TEST-NET-1: never an address of this machine.
    for (String service : List.of("up", "analyzer")) {
      try (PortholeProcess process =
          PortholeProcess.start(
              service,
              "--kafka",
              "127.0.0.1:1",
              "--http-host",
              "192.0.2.1",
              "--http-port",
              "0",
              "--data-dir",
              dataDir.toString())) {
        assertThat(process.awaitExit(EXIT)).as(process.transcript()).isEqualTo(1);
        assertThat(process.err().stream().filter(line -> line.startsWith("porthole: ")))
            .as(process.transcript())
            .singleElement()
            .asString()
            .contains("cannot listen on 192.0.2.1, it is not an address of this machine")
            .endsWith("(--http-host)");
      }
    }
  }

  @Test
  void anEmbeddedBrokerPortInUseNamesThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        PortholeProcess up =
            PortholeProcess.start(
                "up",
                "--kafka-port",
                String.valueOf(taken.getLocalPort()),
                "--http-port",
                "0",
                "--data-dir",
                dataDir.toString())) {
      assertThat(up.awaitExit(EXIT)).isEqualTo(1);
      assertThat(up.err())
          .anyMatch(
              line ->
                  line.contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use")
                      && line.contains("embedded Kafka broker"));
    }
  }

  @Test
  void aBadOptionIsAUsageErrorWithExitCode2() throws Exception {
    try (PortholeProcess tail = PortholeProcess.start("tail", "alerts", "--max", "many")) {
      assertThat(tail.awaitExit(EXIT)).isEqualTo(2);
      assertThat(tail.err()).anyMatch(line -> line.contains("--max") && line.contains("'many'"));
    }
  }

  @Test
  void aBadConfigurationValueNamesTheVariableAndExits2() throws Exception {
    try (PortholeProcess up =
        PortholeProcess.start(
            Map.of("PORTHOLE_HTTP_PORT", "eighty"),
            List.of(),
            "up",
            "--data-dir",
            dataDir.toString())) {
      assertThat(up.awaitExit(EXIT)).isEqualTo(2);
      assertThat(up.err())
          .containsExactly(
              "porthole: configuration: PORTHOLE_HTTP_PORT: expected a whole number from "
                  + "0 to 65535 but was 'eighty'");
    }
  }

  @Test
  void anUnknownSettingUnderAKnownPrefixNamesTheVariableAndTheNearestKeyAndExits2()
      throws Exception {
    Map<String, String> env = Map.of("PORTHOLE_COLLECTOR_STRACE_BATCHSIZE", "100");
    try (PortholeProcess up =
        PortholeProcess.start(env, List.of(), "up", "--data-dir", dataDir.toString())) {
      assertThat(up.awaitExit(EXIT)).isEqualTo(2);
      assertThat(up.err())
          .containsExactly(
              "porthole: configuration: PORTHOLE_COLLECTOR_STRACE_BATCHSIZE: unknown setting;"
                  + " the nearest known key is collector.data.dir");
    }
  }

  @Test
  void noDockerEngineAndNoStraceAreEachOneLineSayingHowToFixThem() throws Exception {
    Map<String, String> env =
        Map.of(
            "PORTHOLE_DOCKER_HOST",
            "unix:///nonexistent/docker.sock",
            "PORTHOLE_STRACE_BINARY",
            "/nonexistent/strace");
    // An unreachable Kafka ends the run right after the checks, which come first.
    try (PortholeProcess up =
        PortholeProcess.start(
            env,
            List.of(),
            "up",
            "--kafka",
            "127.0.0.1:1",
            "--http-port",
            "0",
            "--data-dir",
            dataDir.toString())) {
      assertThat(up.awaitExit(EXIT)).isEqualTo(1);
      assertThat(up.err())
          .anyMatch(
              line ->
                  line.startsWith(
                      "porthole: no Docker engine: /nonexistent/docker.sock does not "
                          + "exist; start the engine"));
      assertThat(up.err())
          .anyMatch(
              line ->
                  line.startsWith(
                          "porthole: no strace binary ('/nonexistent/strace' is not on the PATH)")
                      && line.contains("apt-get install strace"));
    }
  }

  @Test
  void withoutRootTheSocketPermissionAndTheMissingPrivilegesAreReported() throws Exception {
    Path data = Files.createDirectories(dataDir.resolve("nobody"));
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    try (PortholeProcess up =
        PortholeProcess.start(
            Map.of("HOME", data.toString()),
            asNobody,
            "up",
            "--kafka",
            "127.0.0.1:1",
            "--http-port",
            "0",
            "--data-dir",
            data.toString())) {
      assertThat(up.awaitExit(EXIT)).isEqualTo(1);
      assertThat(up.err())
          .anyMatch(
              line ->
                  line.startsWith(
                          "porthole: no permission for the Docker socket /var/run/docker.sock")
                      && line.contains("docker group"));
      assertThat(up.err())
          .anyMatch(
              line ->
                  line.startsWith(
                      "porthole: not running as root: packet capture, strace and network "
                          + "isolation need root"));
    }
  }
}
