package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.testing.SharedKafka;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
