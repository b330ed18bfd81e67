package io.porthole.app.kafka;

import io.porthole.runtime.Settings;
import io.porthole.wire.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the embedded broker.
 *
 * @param dataDir where the broker keeps its log (under {@code kafka-logs})
 * @param port the broker's port on 127.0.0.1; 0 picks a free one
 * @param topicNames the names of the topics to create
 * @param partitions partition counts per topic
 * @param retentionHours how long records are kept
 * @param startTimeout how long the broker may take to answer
 */
public record EmbeddedKafkaConfig(
    Path dataDir,
    int port,
    TopicNames topicNames,
    TopicPartitions partitions,
    int retentionHours,
    Duration startTimeout) {

  public static final String PORT_KEY = "embedded.kafka.port";
  public static final String RETENTION_KEY = "embedded.kafka.retention.hours";

  public EmbeddedKafkaConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(topicNames, "topicNames");
    Objects.requireNonNull(partitions, "partitions");
    Objects.requireNonNull(startTimeout, "startTimeout");
  }

  public static EmbeddedKafkaConfig from(Settings settings, Path dataDir) {
    return new EmbeddedKafkaConfig(
        dataDir.resolve("kafka"),
        settings.integer(PORT_KEY, 0, 0, 65535),
        TopicNames.withPrefix(settings.string("topic.prefix", "")),
        TopicPartitions.from(settings),
        settings.integer(RETENTION_KEY, 24, 1, 24 * 365),
        Duration.ofSeconds(60));
  }
}
