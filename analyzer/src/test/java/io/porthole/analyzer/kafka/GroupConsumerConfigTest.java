package io.porthole.analyzer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.runtime.Settings;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.junit.jupiter.api.Test;

/** The analyzer's group consumer: its own fetch defaults, which kafka.consumer.* overrides. */
class GroupConsumerConfigTest {

  private static Map<String, Object> config(Map<String, String> settings) {
    Map<String, String> values = new HashMap<>(settings);
    values.put("kafka.bootstrap.servers", "localhost:9092");
    return AnalyzerVerticle.groupConsumerConfig(
        AnalyzerConfig.from(Settings.of(values)), "analyzer-test");
  }

  @Test
  void fetchesHalfKafkasDefaultSizeAndWaitsFiveMillisecondsForData() {
    Map<String, Object> config = config(Map.of());

    assertThat(config)
        .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5")
        .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "524288")
        .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
        .containsEntry(
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
  }

  @Test
  void kafkaConsumerSettingsOverrideTheFetchDefaults() {
    Map<String, Object> config =
        config(
            Map.of(
                "kafka.consumer.fetch.max.wait.ms", "100",
                "kafka.consumer.max.partition.fetch.bytes", "1048576"));

    assertThat(config)
        .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100")
        .containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "1048576");
  }
}
