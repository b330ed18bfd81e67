package io.porthole.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CollectorConfigTest {

  private static Settings settings(String... keyValues) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", "localhost:9092");
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return Settings.of(values);
  }

  @Test
  void defaults() {
    CollectorConfig config = CollectorConfig.from(settings());
    assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(config.hostId()).isEqualTo(CollectorConfig.hostname()).isNotBlank();
    assertThat(config.dockerHost()).isEqualTo("unix:///var/run/docker.sock");
    assertThat(config.topicNames().name(Topic.CONTAINER_EVENTS))
        .isEqualTo("porthole.container-events.v1");
    assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.publishBufferRecords()).isEqualTo(10_000);
    assertThat(config.reconnectMinBackoff()).isEqualTo(Duration.ofMillis(200));
    assertThat(config.reconnectMaxBackoff()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/porthole/collector"));
    assertThat(config.positionFlushInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theDataDirectoryIsItsOwnKeyElseASubDirectoryOfTheApplicationsDataDir() {
    assertThat(CollectorConfig.from(settings("data.dir", "/srv/porthole")).dataDir())
        .isEqualTo(Path.of("/srv/porthole/collector"));
    assertThat(
            CollectorConfig.from(
                    settings("data.dir", "/srv/porthole", "collector.data.dir", "/var/c"))
                .dataDir())
        .isEqualTo(Path.of("/var/c"));
    assertThat(
            CollectorConfig.from(settings("collector.position.flush.interval", "250ms"))
                .positionFlushInterval())
        .isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void everyKeyIsRead() {
    CollectorConfig config =
        CollectorConfig.from(
            settings(
                "host.id",
                "edge-7",
                "docker.host",
                "tcp://127.0.0.1:2375",
                "topic.prefix",
                "it-1.",
                "heartbeat.interval",
                "500ms",
                "publish.buffer.records",
                "42",
                "docker.reconnect.backoff.min",
                "50ms",
                "docker.reconnect.backoff.max",
                "2s"));
    assertThat(config.hostId()).isEqualTo("edge-7");
    assertThat(config.dockerHost()).isEqualTo("tcp://127.0.0.1:2375");
    assertThat(config.topicNames().name(Topic.HEARTBEATS)).isEqualTo("it-1.porthole.heartbeats.v1");
    assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.publishBufferRecords()).isEqualTo(42);
    assertThat(config.reconnectMinBackoff()).isEqualTo(Duration.ofMillis(50));
    assertThat(config.reconnectMaxBackoff()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void environmentVariablesAreNamedInErrors() {
    Settings settings =
        Settings.from(
            Map.of(
                "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS",
                "k:9092",
                "PORTHOLE_HEARTBEAT_INTERVAL",
                "often"),
            Map.of());
    assertThatThrownBy(() -> CollectorConfig.from(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PORTHOLE_HEARTBEAT_INTERVAL: expected a duration");
  }

  @Test
  void eachBadValueNamesItsKey() {
    // a key that is not set at all is named as the environment variable that would set it
    assertBad(Settings.of(Map.of()), "PORTHOLE_KAFKA_BOOTSTRAP_SERVERS");
    assertBad(settings("kafka.bootstrap.servers", "no-port"), "kafka.bootstrap.servers");
    assertBad(settings("host.id", "a/b"), "host.id");
    assertBad(settings("host.id", "two words"), "host.id");
    assertBad(settings("docker.host", "http://x"), "docker.host");
    assertBad(settings("docker.host", "tcp://host"), "docker.host");
    assertBad(settings("docker.host", "/var/run/docker.sock"), "docker.host");
    assertBad(settings("topic.prefix", "bad prefix!"), "topic.prefix");
    assertBad(settings("heartbeat.interval", "10 parsecs"), "heartbeat.interval");
    assertBad(settings("heartbeat.interval", "2h"), "heartbeat.interval");
    assertBad(settings("publish.buffer.records", "0"), "publish.buffer.records");
    assertBad(settings("publish.buffer.records", "many"), "publish.buffer.records");
    assertBad(settings("docker.reconnect.backoff.min", "1ms"), "docker.reconnect.backoff.min");
    assertBad(settings("collector.data.dir", "relative/dir"), "collector.data.dir");
    assertBad(
        settings("collector.position.flush.interval", "1ms"), "collector.position.flush.interval");
    assertBad(
        settings("docker.reconnect.backoff.min", "5s", "docker.reconnect.backoff.max", "1s"),
        "docker.reconnect.backoff.max");
  }

  private static void assertBad(Settings settings, String key) {
    assertThatThrownBy(() -> CollectorConfig.from(settings))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
        .hasMessageStartingWith(key + ": ");
  }
}
