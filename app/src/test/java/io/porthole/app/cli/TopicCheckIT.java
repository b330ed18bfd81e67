package io.porthole.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.testing.SharedKafka;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `porthole up --kafka` checks Porthole's topics before anything starts: with topic.create=false
 * the missing ones are named, and event topics that are not co-partitioned are reported with each
 * count; one line, exit 1, no service started.
 */
class TopicCheckIT {

  private static final Duration EXIT = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  @Test
  void withTopicCreationOffTheMissingTopicsAreNamedAndTheStartStops() throws Exception {
    String prefix = "it-create-off-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    TopicNames names = TopicNames.withPrefix(prefix);
    SharedKafka.createTopics(
        1,
        names.name(Topic.CONTAINER_EVENTS),
        names.name(Topic.FLOWS),
        names.name(Topic.SYSCALLS),
        names.name(Topic.ALERTS),
        names.name(Topic.COMMANDS),
        names.name(Topic.COMMAND_RESULTS),
        names.name(Topic.IMAGE_SUMMARIES));
    try (PortholeProcess up = up(prefix, Map.of("PORTHOLE_TOPIC_CREATE", "false"))) {
      assertThat(up.awaitExit(EXIT)).as(up.transcript()).isEqualTo(1);
      assertThat(up.err())
          .as(up.transcript())
          .containsExactly(
              "porthole: Porthole's topics on "
                  + SharedKafka.bootstrapServers()
                  + ": topic.create is false and 2 of Porthole's topics do not exist: "
                  + names.name(Topic.HEARTBEATS)
                  + ", "
                  + names.name(Topic.DEAD_LETTERS)
                  + " (create them as docs/kafka.md shows, or set topic.create=true)");
      assertThat(up.out()).noneMatch(line -> line.startsWith("running: "));
    }
  }

  @Test
  void eventTopicsWithDifferentPartitionCountsAreReportedAtStart() throws Exception {
    String prefix = "it-partitions-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    TopicNames names = TopicNames.withPrefix(prefix);
    SharedKafka.createTopics(6, names.name(Topic.CONTAINER_EVENTS), names.name(Topic.SYSCALLS));
    SharedKafka.createTopics(2, names.name(Topic.FLOWS));
    try (PortholeProcess up = up(prefix, Map.of())) {
      assertThat(up.awaitExit(EXIT)).as(up.transcript()).isEqualTo(1);
      assertThat(up.err()).as(up.transcript()).hasSize(1);
      assertThat(up.err().get(0))
          .startsWith("porthole: Porthole's topics on " + SharedKafka.bootstrapServers() + ": ")
          .contains("the event topics must have the same partition count")
          .contains(names.name(Topic.FLOWS) + " has 2")
          .contains(names.name(Topic.CONTAINER_EVENTS) + " has 6")
          .contains("give every one of them 6 partitions");
      assertThat(up.out()).noneMatch(line -> line.startsWith("running: "));
    }
  }

  private PortholeProcess up(String prefix, Map<String, String> more) throws Exception {
    Map<String, String> env = new HashMap<>(more);
    env.put("PORTHOLE_TOPIC_PREFIX", prefix);
    // No strace or capture override: each would add its own warning line before the check.
    return PortholeProcess.start(
        env,
        List.of(),
        "up",
        "--kafka",
        SharedKafka.bootstrapServers(),
        "--http-port",
        "0",
        "--data-dir",
        dataDir.resolve("data").toString());
  }
}
