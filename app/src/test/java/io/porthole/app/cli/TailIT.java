package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.testing.SharedKafka;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** `porthole tail` against a real broker, reading records this test produced. */
class TailIT {

  private static final String PREFIX =
      "it-tail-" + UUID.randomUUID().toString().substring(0, 8) + ".";
  private static final TopicNames NAMES = TopicNames.withPrefix(PREFIX);
  private static String bootstrap;

  @BeforeAll
  static void produceAlerts() throws Exception {
    bootstrap = SharedKafka.bootstrapServers();
    SharedKafka.createTopics(3, NAMES.names(Topic.values()));
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (int i = 0; i < 3; i++) {
        String host = i == 2 ? "host-b" : "host-a";
        Alert alert =
            Alert.newBuilder()
                .setAlertId("alert-" + i)
                .setRule(Rule.OOM_KILLED)
                .setSeverity(Severity.HIGH)
                .setHostId(host)
                .setContainerId("c" + i)
                .setTitle("killed " + i)
                .build();
        producer
            .send(
                new ProducerRecord<>(
                    NAMES.name(Topic.ALERTS), host + "/c" + i, alert.toByteArray()))
            .get(30, TimeUnit.SECONDS);
      }
      producer
          .send(
              new ProducerRecord<>(
                  NAMES.name(Topic.DEAD_LETTERS), "host-a/x", new byte[] {1, 2, 3}))
          .get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void printsEachRecordFromTheBeginningAsOneJsonLineAndStopsAfterMax() throws Exception {
    try (PortholeProcess tail =
        PortholeProcess.start(
            "tail",
            "alerts",
            "--kafka",
            bootstrap,
            "--topic-prefix",
            PREFIX,
            "--from-beginning",
            "--max",
            "3",
            "--timeout",
            "60")) {
      int exit = tail.awaitExit(Duration.ofSeconds(90));
      assertThat(exit).as(tail.transcript()).isZero();
      List<JsonObject> lines = tail.out().stream().map(JsonObject::new).toList();
      assertThat(lines).hasSize(3);
      assertThat(lines)
          .extracting(l -> l.getString("alertId"))
          .containsExactlyInAnyOrder("alert-0", "alert-1", "alert-2");
      for (JsonObject line : lines) {
        assertThat(line.getString("key"))
            .isEqualTo(line.getString("hostId") + "/" + line.getString("containerId"));
        assertThat(line.getInteger("partition")).isBetween(0, 2);
        assertThat(line.getLong("offset")).isNotNull();
        assertThat(line.getString("rule")).isEqualTo("OOM_KILLED");
      }
    }
  }

  @Test
  void theKeyPrefixFiltersAndTheFullTopicNameWorksToo() throws Exception {
    try (PortholeProcess tail =
        PortholeProcess.start(
            "tail",
            "porthole.alerts.v1",
            "--kafka",
            bootstrap,
            "--topic-prefix",
            PREFIX,
            "--from-beginning",
            "--key",
            "host-b/",
            "--timeout",
            "8")) {
      int exit = tail.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).as(tail.transcript()).isZero();
      assertThat(tail.out()).hasSize(1);
      assertThat(new JsonObject(tail.out().get(0)).getString("alertId")).isEqualTo("alert-2");
    }
  }

  @Test
  void deadLettersArePrintedAsBase64() throws Exception {
    try (PortholeProcess tail =
        PortholeProcess.start(
            "tail",
            "dead-letters",
            "--kafka",
            bootstrap,
            "--topic-prefix",
            PREFIX,
            "--from-beginning",
            "--max",
            "1",
            "--timeout",
            "60")) {
      int exit = tail.awaitExit(Duration.ofSeconds(90));
      assertThat(exit).as(tail.transcript()).isZero();
      assertThat(new JsonObject(tail.out().get(0)).getString("valueBase64")).isEqualTo("AQID");
    }
  }

  @Test
  void withoutFromBeginningOnlyNewRecordsArePrintedAndTheTimeoutEndsIt() throws Exception {
    try (PortholeProcess tail =
        PortholeProcess.start(
            "tail",
            "porthole.alerts.v1",
            "--kafka",
            bootstrap,
            "--topic-prefix",
            PREFIX,
            "--timeout",
            "5")) {
      int exit = tail.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).as(tail.transcript()).isZero();
      assertThat(tail.out()).isEmpty();
    }
  }
}
