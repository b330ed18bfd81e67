package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import io.porthole.testing.SharedKafka;
import io.porthole.testing.TestDocker;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `log.format=json`: a service's log lines on stderr are JSON objects a log pipeline can parse. */
class JsonLogIT {

  @TempDir Path dataDir;

  @Test
  void controllerWritesOneJsonObjectPerLogLineWithServiceAndHost() throws Exception {
    Map<String, String> env =
        Map.of(
            "PORTHOLE_LOG_FORMAT", "json",
            "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS", SharedKafka.bootstrapServers(),
            "PORTHOLE_TOPIC_PREFIX", "it-jsonlog.");
    try (PortholeProcess controller =
        PortholeProcess.start(
            env,
            List.of(),
            "controller",
            "--http-port",
            "0",
            "--data-dir",
            dataDir.toString(),
            "--host-id",
            "json-log-host")) {
      controller.awaitOut(line -> line.startsWith("controller: "), Duration.ofSeconds(90));
      String logLine =
          controller.awaitErr(
              line -> line.startsWith("{") && line.contains("io.porthole.controller"),
              Duration.ofSeconds(30));
      assertThat(logLine).as(controller.transcript()).isNotNull();
      JsonObject json = new JsonObject(logLine);
      assertThat(json.getString("level")).isIn("INFO", "WARN", "ERROR");
      assertThat(json.getString("logger")).startsWith("io.porthole.controller");
      assertThat(json.getString("message")).isNotBlank();
      assertThat(Instant.parse(json.getString("time"))).isNotNull();
      assertThat(json.getString("service")).isEqualTo("controller");
      assertThat(json.getString("host_id")).isEqualTo("json-log-host");
      controller.terminate();
      controller.awaitExit(Duration.ofSeconds(60));
      assertThat(controller.err())
          .as("every stderr line, to the stop, is a JSON log object with the fixed fields")
          .isNotEmpty()
          .allSatisfy(
              line -> {
                assertThat(parses(line)).as(line).isTrue();
                JsonObject each = new JsonObject(line);
                assertThat(each.fieldNames())
                    .as(line)
                    .contains("time", "level", "logger", "message", "service", "host_id");
              });
    }
  }

  /**
   * A line about one container carries its full id as {@code container_id}: a real collector, with
   * JSON logs, reports the OOM kill the kernel logged for a container of the engine.
   */
  @Test
  void collectorLogsAnOomKillWithTheContainersIdAsItsOwnField() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String hostId = "json-log-oom-" + run;
    Map<String, String> env =
        Map.of(
            "PORTHOLE_LOG_FORMAT", "json",
            "PORTHOLE_TOPIC_PREFIX", "it-jsonlog-" + run + ".",
            // Neither remediation nor other tests' labelled containers are this test's business.
            "PORTHOLE_REMEDIATION_ENABLED", "false",
            "PORTHOLE_STRACE_BINARY", "/nonexistent/strace");
    try (PortholeProcess collector =
            PortholeProcess.start(
                env,
                List.of(),
                "collector",
                "--host-id",
                hostId,
                "--kafka",
                SharedKafka.bootstrapServers(),
                "--data-dir",
                dataDir.toString(),
                "--http-port",
                "0",
                "--http-host",
                "127.0.0.1");
        DockerClient docker = TestDocker.client()) {
      collector.awaitOut(line -> line.startsWith("running: "), Duration.ofSeconds(120));
      String id =
          docker
              .createContainerCmd(TestDocker.BUSYBOX_IMAGE)
              .withName("porthole-it-jsonlog-oom-" + run)
              .withHostConfig(
                  HostConfig.newHostConfig()
                      .withMemory(16L * 1024 * 1024)
                      .withMemorySwap(16L * 1024 * 1024))
              .withCmd("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
              .exec()
              .getId();
      try {
        docker.startContainerCmd(id).exec();
        String logLine =
            collector.awaitErr(
                line -> line.startsWith("{") && line.contains("OOM kill") && line.contains(id),
                Duration.ofSeconds(60));
        assertThat(logLine).as(collector.transcript()).isNotNull();
        JsonObject json = new JsonObject(logLine);
        assertThat(json.getString("container_id")).isEqualTo(id);
        assertThat(json.getString("logger"))
            .isEqualTo("io.porthole.collector.kmsg.KernelOomSource");
        assertThat(json.getString("level")).isEqualTo("INFO");
        assertThat(json.getString("message")).contains("OOM kill of").contains(id);
        assertThat(json.getString("service")).isEqualTo("collector");
        assertThat(json.getString("host_id")).isEqualTo(hostId);
      } finally {
        docker.removeContainerCmd(id).withForce(true).exec();
      }
      collector.terminate();
      collector.awaitExit(Duration.ofSeconds(60));
      assertThat(collector.err())
          .as("every stderr line of the collector, to the stop, is a JSON object")
          .allSatisfy(line -> assertThat(parses(line)).as(line).isTrue());
    }
  }

  @Test
  void anUnknownLogFormatIsAConfigurationErrorNamingTheSetting() throws Exception {
    Map<String, String> env =
        Map.of(
            "PORTHOLE_LOG_FORMAT",
            "xml",
            "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS",
            SharedKafka.bootstrapServers());
    try (PortholeProcess controller =
        PortholeProcess.start(
            env, List.of(), "controller", "--http-port", "0", "--data-dir", dataDir.toString())) {
      int exit = controller.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).as(controller.transcript()).isEqualTo(2);
      assertThat(controller.err())
          .anyMatch(
              line ->
                  line.contains("PORTHOLE_LOG_FORMAT")
                      && line.contains("expected text or json but was 'xml'"));
    }
  }

  private static boolean parses(String line) {
    try {
      new JsonObject(line);
      return true;
    } catch (DecodeException e) {
      return false;
    }
  }
}
