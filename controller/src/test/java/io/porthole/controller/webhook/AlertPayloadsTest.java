package io.porthole.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.Evidence;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Timestamps;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AlertPayloadsTest {

  private static final Alert OOM =
      Alert.newBuilder()
          .setAlertId("oom-3f2a")
          .setRule(Rule.OOM_KILLED)
          .setSeverity(Severity.HIGH)
          .setTitle("Container web-1 was killed by the OOM killer")
          .setHostId("host-a")
          .setContainerId("a1".repeat(32))
          .setContainerName("web-1")
          .setImage("porthole/busybox:test")
          .setOccurrences(2)
          .setLastSeen(Timestamps.of(Instant.parse("2026-12-06T00:30:01.000000123Z")))
          .setPublishedAt(Timestamps.of(Instant.parse("2026-12-06T00:30:02.5Z")))
          .putAttributes("memory_limit_bytes", "16777216")
          .addEvidence(Evidence.newBuilder().setDescription("die: exit code 137, OOMKilled=true"))
          .build();

  @Test
  void cloudEventIsStructuredCloudEvents10WithTheAlertAsData() {
    JsonObject event = AlertPayloads.cloudEvent(OOM);
    assertThat(event.getString("specversion")).isEqualTo("1.0");
    assertThat(event.getString("id")).isEqualTo("oom-3f2a");
    assertThat(event.getString("type")).isEqualTo("dev.porthole.alert.v1");
    assertThat(event.getString("source")).isEqualTo("porthole://host-a");
    assertThat(event.getString("subject")).isEqualTo("web-1");
    assertThat(event.getString("time")).isEqualTo("2026-12-06T00:30:02.500Z");
    assertThat(event.getString("datacontenttype")).isEqualTo("application/json");
    JsonObject data = event.getJsonObject("data");
    assertThat(data.getString("alertId")).isEqualTo("oom-3f2a");
    assertThat(data.getString("rule")).isEqualTo("OOM_KILLED");
    assertThat(data.getString("severity")).isEqualTo("HIGH");
    assertThat(data.getJsonArray("evidence").getJsonObject(0).getString("description"))
        .isEqualTo("die: exit code 137, OOMKilled=true");
    assertThat(AlertPayloads.contentType(WebhookSettings.Format.CLOUDEVENTS))
        .startsWith("application/cloudevents+json");
  }

  @Test
  void aHostAlertHasNoSubject() {
    Alert silent =
        Alert.newBuilder()
            .setAlertId("s")
            .setRule(Rule.HOST_SILENT)
            .setSeverity(Severity.MEDIUM)
            .setHostId("host-b")
            .build();
    JsonObject event = AlertPayloads.cloudEvent(silent);
    assertThat(event.containsKey("subject")).isFalse();
    assertThat(event.getString("source")).isEqualTo("porthole://host-b");
    assertThat(AlertPayloads.falco(silent).getString("output")).doesNotContain("container=");
  }

  @Test
  void falcoPayloadIsWhatFalcosidekickReads() {
    JsonObject falco = AlertPayloads.falco(OOM);
    assertThat(falco.getString("rule")).isEqualTo("OOM_KILLED");
    assertThat(falco.getString("priority")).isEqualTo("Error");
    assertThat(falco.getString("time")).isEqualTo("2026-12-06T00:30:01.000000123Z");
    assertThat(falco.getString("source")).isEqualTo("porthole");
    assertThat(falco.getString("hostname")).isEqualTo("host-a");
    assertThat(falco.getString("uuid"))
        .isEqualTo(UUID.nameUUIDFromBytes("oom-3f2a".getBytes(StandardCharsets.UTF_8)).toString());
    assertThat(falco.getString("output"))
        .isEqualTo(
            "00:30:01.000000123: Error Container web-1 was killed by the"
                + " OOM killer (host=host-a container=web-1 image=porthole/busybox:test "
                + "rule=OOM_KILLED)");
    JsonObject fields = falco.getJsonObject("output_fields");
    assertThat(fields.getString("container.id")).isEqualTo("a1".repeat(32));
    assertThat(fields.getString("container.name")).isEqualTo("web-1");
    assertThat(fields.getString("container.image")).isEqualTo("porthole/busybox:test");
    assertThat(fields.getString("porthole.host_id")).isEqualTo("host-a");
    assertThat(fields.getString("porthole.alert_id")).isEqualTo("oom-3f2a");
    assertThat(fields.getString("porthole.memory_limit_bytes")).isEqualTo("16777216");
    assertThat(fields.getLong("evt.time"))
        .isEqualTo(Instant.parse("2026-12-06T00:30:01Z").getEpochSecond() * 1_000_000_000L + 123);
    assertThat(falco.getJsonArray("tags").getList()).containsExactly("porthole", "oom_killed");
  }

  @Test
  void everySeverityHasAFalcoPriority() {
    assertThat(AlertPayloads.priority(Severity.CRITICAL)).isEqualTo("Critical");
    assertThat(AlertPayloads.priority(Severity.HIGH)).isEqualTo("Error");
    assertThat(AlertPayloads.priority(Severity.MEDIUM)).isEqualTo("Warning");
    assertThat(AlertPayloads.priority(Severity.LOW)).isEqualTo("Notice");
    assertThat(AlertPayloads.priority(Severity.INFO)).isEqualTo("Informational");
  }
}
