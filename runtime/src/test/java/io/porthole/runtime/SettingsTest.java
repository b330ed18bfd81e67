package io.porthole.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.wire.Topic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @Test
  void environmentOverridesFileAndOverridesEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("porthole.properties");
    Files.writeString(file, "host.id=from-file\nflush.interval=3s\nkafka.producer.linger.ms=20\n");
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_CONFIG_FILE", file.toString(),
                "PORTHOLE_HOST_ID", "from-env",
                "PORTHOLE_KAFKA_PRODUCER_BATCH_SIZE", "1024",
                "HOME", "/root"),
            Map.of("flush.interval", "7s"));
    assertThat(settings.string("host.id", "x")).isEqualTo("from-env");
    assertThat(
            settings.duration(
                "flush.interval", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1)))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(settings.withPrefix("kafka.producer."))
        .containsExactlyInAnyOrderEntriesOf(Map.of("linger.ms", "20", "batch.size", "1024"));
    assertThat(settings.optional("home")).isEmpty();
  }

  @Test
  void errorsNameTheVariableAndWhatWasExpected() {
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_FLUSH_INTERVAL",
                "soon",
                "PORTHOLE_BUFFER_EVENTS",
                "-3",
                "PORTHOLE_PCAP",
                "maybe"),
            Map.of());
    assertThatThrownBy(
            () ->
                settings.duration(
                    "flush.interval", Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PORTHOLE_FLUSH_INTERVAL: expected a duration from 0s to 60s")
        .hasMessageContaining("'soon'");
    assertThatThrownBy(() -> settings.integer("buffer.events", 10, 1, 100))
        .hasMessage("PORTHOLE_BUFFER_EVENTS: expected a whole number from 1 to 100 but was -3");
    assertThatThrownBy(() -> settings.bool("pcap", true))
        .hasMessage("PORTHOLE_PCAP: expected true or false but was 'maybe'");
    assertThatThrownBy(() -> settings.required("kafka.bootstrap.servers"))
        .hasMessage("PORTHOLE_KAFKA_BOOTSTRAP_SERVERS: required but not set");
  }

  @Test
  void durationsListsAndEnums() {
    Settings settings =
        Settings.of(
            Map.of(
                "a", "250ms", "b", "2m", "c", "15", "ifs", "docker0, ,br-1", "mode", "read-only"));
    Duration max = Duration.ofHours(1);
    assertThat(settings.duration("a", Duration.ZERO, Duration.ZERO, max))
        .isEqualTo(Duration.ofMillis(250));
    assertThat(settings.duration("b", Duration.ZERO, Duration.ZERO, max))
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(settings.duration("c", Duration.ZERO, Duration.ZERO, max))
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(settings.list("ifs", List.of())).containsExactly("docker0", "br-1");
    assertThat(settings.enumValue("mode", Mode.class, Mode.READ_WRITE)).isEqualTo(Mode.READ_ONLY);
    assertThatThrownBy(
            () -> Settings.of(Map.of("mode", "x")).enumValue("mode", Mode.class, Mode.READ_ONLY))
        .hasMessageContaining("expected one of [READ_ONLY, READ_WRITE] but was 'x'");
  }

  @Test
  void kafkaSettingsValidateBootstrapAndLayerProperties() {
    KafkaSettings kafka =
        KafkaSettings.from(
            Settings.from(
                Map.of(
                    "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
                    "PORTHOLE_KAFKA_PRODUCER_LINGER_MS", "50",
                    "PORTHOLE_KAFKA_CLIENT_SECURITY_PROTOCOL", "PLAINTEXT"),
                Map.of()));
    Map<String, String> producer = kafka.producerConfig("collector");
    assertThat(producer)
        .containsEntry("linger.ms", "50")
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", "true")
        .containsEntry("security.protocol", "PLAINTEXT");
    assertThat(kafka.consumerConfig("analyzer", "g")).containsEntry("enable.auto.commit", "false");
    assertThatThrownBy(
            () ->
                KafkaSettings.from(
                    Settings.from(
                        Map.of("PORTHOLE_KAFKA_BOOTSTRAP_SERVERS", "localhost"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS: expected HOST:PORT[,HOST:PORT...] but was "
                + "'localhost'");
    assertThatThrownBy(() -> KafkaSettings.from(Settings.of(Map.of())))
        .hasMessageStartingWith("PORTHOLE_KAFKA_BOOTSTRAP_SERVERS: required");
  }

  @Test
  void topicNamesComeFromOnePrefixSettingValidatedForEveryService() {
    assertThat(TopicSettings.from(Settings.of(Map.of())).name(Topic.FLOWS))
        .isEqualTo("porthole.flows.v1");
    assertThat(
            TopicSettings.from(Settings.from(Map.of("PORTHOLE_TOPIC_PREFIX", "it-1."), Map.of()))
                .name(Topic.FLOWS))
        .isEqualTo("it-1.porthole.flows.v1");
    assertThatThrownBy(
            () ->
                TopicSettings.from(
                    Settings.from(Map.of("PORTHOLE_TOPIC_PREFIX", "a b/"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "PORTHOLE_TOPIC_PREFIX: expected letters, digits, '.', '_' or '-' (a Kafka "
                + "topic name prefix) but was 'a b/'");
  }

  enum Mode {
    READ_ONLY,
    READ_WRITE
  }
}
