package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicTest {

  @Test
  void namesFollowTheDesign() {
    assertThat(Topic.CONTAINER_EVENTS.topicName()).isEqualTo("porthole.container-events.v1");
    assertThat(Topic.FLOWS.topicName()).isEqualTo("porthole.flows.v1");
    assertThat(Topic.SYSCALLS.topicName()).isEqualTo("porthole.syscalls.v1");
    assertThat(Topic.HEARTBEATS.topicName()).isEqualTo("porthole.heartbeats.v1");
    assertThat(Topic.ALERTS.topicName()).isEqualTo("porthole.alerts.v1");
    assertThat(Topic.COMMANDS.topicName()).isEqualTo("porthole.commands.v1");
    assertThat(Topic.COMMAND_RESULTS.topicName()).isEqualTo("porthole.command-results.v1");
    assertThat(Topic.DEAD_LETTERS.topicName()).isEqualTo("porthole.dead-letters.v1");
    assertThat(Topic.IMAGE_SUMMARIES.topicName()).isEqualTo("porthole.image-summaries.v1");
  }

  @Test
  void parseAcceptsFullShortAndEnumNames() {
    assertThat(Topic.parse("porthole.command-results.v1")).isEqualTo(Topic.COMMAND_RESULTS);
    assertThat(Topic.parse("command-results")).isEqualTo(Topic.COMMAND_RESULTS);
    assertThat(Topic.parse("COMMAND_RESULTS")).isEqualTo(Topic.COMMAND_RESULTS);
    assertThat(Topic.parse(" alerts ")).isEqualTo(Topic.ALERTS);
    assertThat(Topic.ofName("porthole.flows.v1")).contains(Topic.FLOWS);
    assertThat(Topic.ofName("flows")).isEmpty();
  }

  @Test
  void parseNamesTheUnknownTopicAndTheKnownOnes() {
    assertThatThrownBy(() -> Topic.parse("alarms"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'alarms'")
        .hasMessageContaining("container-events")
        .hasMessageContaining("dead-letters");
    assertThatThrownBy(() -> Topic.parse(" ")).hasMessageContaining("empty");
  }

  @Test
  void eventTopicsAreTheThreeCoPartitionedOnes() {
    assertThat(Topic.eventTopics())
        .containsExactly(Topic.CONTAINER_EVENTS, Topic.FLOWS, Topic.SYSCALLS);
    assertThat(Topic.DEAD_LETTERS.parser()).isEmpty();
    assertThat(Topic.ALERTS.parser()).isPresent();
  }
}
