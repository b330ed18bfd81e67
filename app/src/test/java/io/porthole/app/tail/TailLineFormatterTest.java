package io.porthole.app.tail;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.wire.Topic;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TailLineFormatterTest {

  @Test
  void anAlertBecomesOneJsonLineWithKeyPartitionOffsetAndTheProtobufFields() {
    Alert alert =
        Alert.newBuilder()
            .setAlertId("a-1")
            .setRule(Rule.OOM_KILLED)
            .setSeverity(Severity.HIGH)
            .setContainerId("c1")
            .build();
    String line =
        new TailLineFormatter(Topic.ALERTS)
            .format("host-1/c1", 2, 17, alert.toByteArray(), Map.of());

    assertThat(line).doesNotContain("\n");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("key")).isEqualTo("host-1/c1");
    assertThat(json.getInteger("partition")).isEqualTo(2);
    assertThat(json.getLong("offset")).isEqualTo(17L);
    assertThat(json.getString("alertId")).isEqualTo("a-1");
    assertThat(json.getString("rule")).isEqualTo("OOM_KILLED");
    assertThat(json.getString("severity")).isEqualTo("HIGH");
  }

  @Test
  void aDeadLetterCarriesItsBytesAsBase64AndItsHeaders() {
    byte[] raw = {1, 2, 3, (byte) 0xff};
    String line =
        new TailLineFormatter(Topic.DEAD_LETTERS)
            .format(
                "h/c",
                0,
                5,
                raw,
                Map.of("porthole.error", "truncated".getBytes(StandardCharsets.UTF_8)));

    JsonObject json = new JsonObject(line);
    assertThat(Base64.getDecoder().decode(json.getString("valueBase64"))).isEqualTo(raw);
    assertThat(json.getJsonObject("headers").getString("porthole.error")).isEqualTo("truncated");
  }

  @Test
  void aValueThatDoesNotDecodeIsPrintedWithTheErrorInsteadOfStoppingTheTail() {
    byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff};
    JsonObject json =
        new JsonObject(new TailLineFormatter(Topic.ALERTS).format("k", 1, 9, garbage, Map.of()));

    assertThat(json.getString("error")).contains("not a valid porthole.alerts.v1 value");
    assertThat(Base64.getDecoder().decode(json.getString("valueBase64"))).isEqualTo(garbage);
    assertThat(json.getLong("offset")).isEqualTo(9L);
  }
}
