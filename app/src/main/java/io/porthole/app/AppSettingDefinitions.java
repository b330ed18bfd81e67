package io.porthole.app;

import static io.porthole.runtime.SettingDefinition.Type.BOOLEAN;
import static io.porthole.runtime.SettingDefinition.Type.ENUM;
import static io.porthole.runtime.SettingDefinition.Type.INTEGER;
import static io.porthole.runtime.SettingDefinition.of;

import io.porthole.analyzer.AnalyzerSettingDefinitions;
import io.porthole.app.kafka.EmbeddedKafkaConfig;
import io.porthole.app.kafka.TopicPartitions;
import io.porthole.app.kafka.TopicPolicy;
import io.porthole.app.logging.LogFormat;
import io.porthole.collector.CollectorSettingDefinitions;
import io.porthole.controller.ControllerSettingDefinitions;
import io.porthole.runtime.CommonSettingDefinitions;
import io.porthole.runtime.SettingDefinition;
import io.porthole.runtime.SettingDefinitions;
import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import java.util.ArrayList;
import java.util.List;

/** The settings of the command line itself (logging, embedded broker, topic creation). */
public final class AppSettingDefinitions {

  private static final List<SettingDefinition> LAUNCHER =
      List.of(
          of(LogFormat.KEY, ENUM, "`text`", "`text` or `json` (one JSON object per log line)"),
          of(EmbeddedKafkaConfig.PORT_KEY, INTEGER, "a free port", "port of the embedded broker"),
          of(EmbeddedKafkaConfig.RETENTION_KEY, INTEGER, "24", "retention of the embedded broker"),
          of(
              TopicPartitions.LEGACY_EVENTS_KEY,
              INTEGER,
              "6",
              "older name of `topic.partitions.events`, read when that is not set"),
          of(
              TopicPolicy.CREATE_KEY,
              BOOLEAN,
              "true",
              "create missing topics; `false`: the topics must exist"),
          of(
              TopicPolicy.REPLICATION_FACTOR_KEY,
              INTEGER,
              "the broker's",
              "replicas of each created topic"),
          of(
              TopicPolicy.MIN_INSYNC_REPLICAS_KEY,
              INTEGER,
              "the broker's",
              "`min.insync.replicas` of each created topic"));

  public static final SettingDefinitions ALL = new SettingDefinitions("Command line", all());

  /** Every module's settings, in the order of the configuration reference. */
  public static final List<SettingDefinitions> EVERY_MODULE =
      List.of(
          CommonSettingDefinitions.ALL,
          CollectorSettingDefinitions.ALL,
          AnalyzerSettingDefinitions.ALL,
          ControllerSettingDefinitions.ALL,
          ALL);

  private AppSettingDefinitions() {}

  /**
   * Refuses a key no module reads under any prefix one of them reads ({@code kafka.client.*} and
   * the like pass through to Kafka).
   */
  public static void rejectUnknown(Settings settings) {
    SettingDefinitions.rejectUnknown(settings, EVERY_MODULE);
  }

  private static List<SettingDefinition> all() {
    List<SettingDefinition> all = new ArrayList<>(LAUNCHER);
    TopicPartitions defaults = TopicPartitions.withEventPartitions(6);
    for (Topic topic : Topic.values()) {
      String key = TopicPartitions.key(topic);
      boolean event = key.equals(TopicPartitions.EVENTS_KEY);
      if (all.stream().noneMatch(d -> d.key().equals(key))) {
        String what = event ? "each event topic (co-partitioned)" : "`" + topic.topicName() + "`";
        all.add(of(key, INTEGER, String.valueOf(defaults.of(topic)), "partitions of " + what));
      }
    }
    return all;
  }
}
