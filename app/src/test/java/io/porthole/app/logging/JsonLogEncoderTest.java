package io.porthole.app.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The JSON line of a log event: flat fields, the process's context, the event's own context. */
class JsonLogEncoderTest {

  @Test
  void aLineAboutAContainerCarriesTimeLevelLoggerMessageServiceHostAndContainerId() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    context.putProperty("service", "collector");
    context.putProperty("host_id", "host-a");
    var encoder = LogSetup.jsonEncoder(context);
    context.getMDCAdapter().put("command_id", "cmd-7");
    context.getMDCAdapter().put("message", "must not replace the message");
    Logger logger = context.getLogger("io.porthole.collector.strace.TraceSession");
    LoggingEvent event =
        new LoggingEvent(
            "fqcn",
            logger,
            Level.WARN,
            "strace output of container {} broke off",
            new IllegalStateException("pipe closed"),
            new Object[] {"abc123"});
    event.addKeyValuePair(new KeyValuePair("container_id", "abc123def456"));
    event.addKeyValuePair(new KeyValuePair("level", "must not replace the level"));

    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    assertThat(line).endsWith("\n").doesNotContain("\n{");
    JsonObject json = new JsonObject(line.trim());
    assertThat(Instant.parse(json.getString("time"))).isNotNull();
    assertThat(json.getString("level")).isEqualTo("WARN");
    assertThat(json.getString("logger")).isEqualTo("io.porthole.collector.strace.TraceSession");
    assertThat(json.getString("message")).isEqualTo("strace output of container abc123 broke off");
    assertThat(json.getString("service")).isEqualTo("collector");
    assertThat(json.getString("host_id")).isEqualTo("host-a");
    assertThat(json.getString("container_id")).isEqualTo("abc123def456");
    assertThat(json.getString("command_id")).isEqualTo("cmd-7");
    assertThat(json.getString("thread")).isNotBlank();
    assertThat(json.getString("exception")).contains("IllegalStateException: pipe closed");
    assertThat(line)
        .as("no field twice")
        .containsOnlyOnce("\"level\"")
        .containsOnlyOnce("\"message\"");
  }
}
