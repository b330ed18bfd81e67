package io.porthole.app.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TopicPlanTest {

  private static final TopicNames NAMES = TopicNames.standard();

  @Test
  void byDefaultMissingTopicsAreCreatedWithTheBrokersReplicationAndTheConfiguredPartitions() {
    TopicPolicy policy = TopicPolicy.from(Settings.of(Map.of()));
    TopicPlan plan = TopicPlan.decide(NAMES, policy, Map.of());

    assertThat(plan.problems()).isEmpty();
    assertThat(plan.toCreate()).hasSize(Topic.values().length);
    assertThat(plan.toCreate())
        .allSatisfy(
            spec -> {
              assertThat(spec.replicationFactor()).isEmpty();
              assertThat(spec.configs()).isEmpty();
            });
    assertThat(partitionsOf(plan))
        .containsEntry("porthole.flows.v1", 6)
        .containsEntry("porthole.alerts.v1", 3)
        .containsEntry("porthole.heartbeats.v1", 1);
  }

  @Test
  void replicationMinInsyncReplicasAndEveryPartitionCountComeFromTheSettings() {
    TopicPolicy policy =
        TopicPolicy.from(
            Settings.from(
                Map.of(
                    "PORTHOLE_TOPIC_REPLICATION_FACTOR", "3",
                    "PORTHOLE_TOPIC_MIN_INSYNC_REPLICAS", "2",
                    "PORTHOLE_TOPIC_PARTITIONS_EVENTS", "12",
                    "PORTHOLE_TOPIC_PARTITIONS_COMMAND_RESULTS", "5",
                    "PORTHOLE_TOPIC_PARTITIONS_DEAD_LETTERS", "2"),
                Map.of()));
    TopicPlan plan = TopicPlan.decide(NAMES, policy, Map.of("porthole.alerts.v1", 3));

    assertThat(plan.toCreate())
        .extracting(TopicPlan.NewTopicSpec::name)
        .doesNotContain("porthole.alerts.v1");
    assertThat(plan.toCreate())
        .allSatisfy(
            spec -> {
              assertThat(spec.replicationFactor()).contains((short) 3);
              assertThat(spec.configs()).containsExactly(Map.entry("min.insync.replicas", "2"));
            });
    assertThat(partitionsOf(plan))
        .containsEntry("porthole.container-events.v1", 12)
        .containsEntry("porthole.syscalls.v1", 12)
        .containsEntry("porthole.command-results.v1", 5)
        .containsEntry("porthole.dead-letters.v1", 2)
        .containsEntry("porthole.commands.v1", 3);
  }

  @Test
  void withCreationOffTheMissingTopicsAreNamedAndNothingIsCreated() {
    TopicPolicy policy = TopicPolicy.from(Settings.of(Map.of("topic.create", "false")));
    Map<String, Integer> existing = new HashMap<>();
    for (Topic topic : Topic.values()) {
      existing.put(NAMES.name(topic), TopicPartitions.withEventPartitions(6).of(topic));
    }
    existing.remove("porthole.flows.v1");
    existing.remove("porthole.dead-letters.v1");

    TopicPlan plan = TopicPlan.decide(NAMES, policy, existing);

    assertThat(plan.toCreate()).isEmpty();
    assertThat(plan.problems())
        .containsExactly(
            "topic.create is false and 2 of Porthole's topics do not exist: "
                + "porthole.flows.v1, porthole.dead-letters.v1"
                + " (create them as docs/kafka.md shows, or set topic.create=true)");
    existing.put("porthole.flows.v1", 6);
    existing.put("porthole.dead-letters.v1", 1);
    assertThat(TopicPlan.decide(NAMES, policy, existing))
        .isEqualTo(new TopicPlan(List.of(), List.of(), List.of()));
  }

  @Test
  void eventTopicsWithDifferentPartitionCountsStopTheStartNamingEachCount() {
    TopicPlan plan =
        TopicPlan.decide(
            TopicNames.withPrefix("it."),
            TopicPolicy.brokerDefaults(TopicPartitions.withEventPartitions(6)),
            Map.of(
                "it.porthole.container-events.v1",
                6,
                "it.porthole.flows.v1",
                2,
                "it.porthole.syscalls.v1",
                6));

    assertThat(plan.problems())
        .singleElement()
        .asString()
        .contains("the event topics must have the same partition count")
        .contains("it.porthole.flows.v1 has 2")
        .contains("it.porthole.container-events.v1 has 6")
        .contains("give every one of them 6 partitions");
  }

  @Test
  void missingEventTopicsFollowTheExistingOnesAndFewerPartitionsThanConfiguredIsAWarning() {
    TopicPlan plan =
        TopicPlan.decide(
            NAMES,
            TopicPolicy.brokerDefaults(TopicPartitions.withEventPartitions(6)),
            Map.of("porthole.container-events.v1", 2));

    assertThat(plan.problems()).isEmpty();
    assertThat(partitionsOf(plan))
        .containsEntry("porthole.flows.v1", 2)
        .containsEntry("porthole.syscalls.v1", 2);
    assertThat(plan.warnings())
        .singleElement()
        .asString()
        .startsWith(
            "the event topics have 2 partitions, fewer than topic.partitions.events=6:"
                + " at most 2 analyzer instances");
  }

  @Test
  void badTopicSettingsNameTheirKey() {
    assertThatThrownBy(
            () ->
                TopicPolicy.from(
                    Settings.from(
                        Map.of(
                            "PORTHOLE_TOPIC_REPLICATION_FACTOR",
                            "2",
                            "PORTHOLE_TOPIC_MIN_INSYNC_REPLICAS",
                            "3"),
                        Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "PORTHOLE_TOPIC_MIN_INSYNC_REPLICAS: expected at most the replication factor"
                + " (PORTHOLE_TOPIC_REPLICATION_FACTOR=2");
    assertThatThrownBy(
            () -> TopicPolicy.from(Settings.of(Map.of("topic.replication.factor", "zero"))))
        .hasMessageStartingWith(
            "topic.replication.factor: expected a whole number from 1 to 32767");
    assertThatThrownBy(() -> TopicPolicy.from(Settings.of(Map.of("topic.partitions.alerts", "0"))))
        .hasMessageStartingWith("topic.partitions.alerts: expected a whole number from 1");
    assertThatThrownBy(() -> TopicPolicy.from(Settings.of(Map.of("topic.create", "maybe"))))
        .hasMessage("topic.create: expected true or false but was 'maybe'");
    TopicPolicy legacy =
        TopicPolicy.from(Settings.of(Map.of("embedded.kafka.event.partitions", "4")));
    assertThat(legacy.partitions().eventPartitions()).isEqualTo(4);
    assertThat(TopicPolicy.from(Settings.of(Map.of())))
        .isEqualTo(
            new TopicPolicy(
                true,
                Optional.empty(),
                OptionalInt.empty(),
                TopicPartitions.withEventPartitions(6)));
  }

  private static Map<String, Integer> partitionsOf(TopicPlan plan) {
    Map<String, Integer> partitions = new HashMap<>();
    plan.toCreate().forEach(spec -> partitions.put(spec.name(), spec.partitions()));
    return partitions;
  }
}
