package io.porthole.app.kafka;

import io.porthole.wire.Topic;

/**
 * How many partitions each topic gets: the three event topics share one count (they are
 * co-partitioned by key); the low-volume topics get small fixed counts.
 */
public record TopicPartitions(int eventPartitions) {

  public TopicPartitions {
    if (eventPartitions < 1) {
      throw new IllegalArgumentException("event partitions: expected at least 1 but was " + eventPartitions);
    }
  }

  public static TopicPartitions withEventPartitions(int eventPartitions) {
    return new TopicPartitions(eventPartitions);
  }

  public int of(Topic topic) {
    return switch (topic) {
      case CONTAINER_EVENTS, FLOWS, SYSCALLS -> eventPartitions;
      case ALERTS, COMMANDS, COMMAND_RESULTS, IMAGE_SUMMARIES -> 3;
      case HEARTBEATS, DEAD_LETTERS -> 1;
    };
  }
}
