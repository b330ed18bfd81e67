package io.porthole.app.kafka;

import io.porthole.runtime.Settings;
import io.porthole.wire.Topic;
import java.util.EnumMap;
import java.util.Map;

/**
 * How many partitions each topic gets when Porthole creates it: the three event topics share one
 * count ({@code topic.partitions.events}, default 6: they are co-partitioned by key, and it bounds
 * how many analyzer instances share the work); the low-volume topics get small counts, each
 * configurable ({@code topic.partitions.alerts}, {@code .commands}, {@code .command.results},
 * {@code .heartbeats}, {@code .dead.letters}).
 */
public record TopicPartitions(Map<Topic, Integer> counts) {

  public static final String EVENTS_KEY = "topic.partitions.events";

  /** The older name of {@link #EVENTS_KEY}, still read when the new one is not set. */
  public static final String LEGACY_EVENTS_KEY = "embedded.kafka.event.partitions";

  public static final int DEFAULT_EVENT_PARTITIONS = 6;
  private static final int MAX_PARTITIONS = 10_000;

  public TopicPartitions {
    Map<Topic, Integer> copy = new EnumMap<>(Topic.class);
    copy.putAll(counts);
    for (Topic topic : Topic.values()) {
      Integer count = copy.get(topic);
      if (count == null || count < 1) {
        throw new IllegalArgumentException(
            topic.topicName() + ": expected at least 1 partition but was " + count);
      }
    }
    int events = copy.get(Topic.CONTAINER_EVENTS);
    for (Topic topic : Topic.eventTopics()) {
      if (copy.get(topic) != events) {
        throw new IllegalArgumentException(
            "the event topics are co-partitioned: every one needs " + events + " partitions");
      }
    }
    counts = Map.copyOf(copy);
  }

  public static TopicPartitions withEventPartitions(int eventPartitions) {
    Map<Topic, Integer> counts = new EnumMap<>(Topic.class);
    for (Topic topic : Topic.values()) {
      counts.put(topic, defaultCount(topic, eventPartitions));
    }
    return new TopicPartitions(counts);
  }

  /** From {@code topic.partitions.*}; an out-of-range count names its key. */
  public static TopicPartitions from(Settings settings) {
    int legacyEvents =
        settings.integer(LEGACY_EVENTS_KEY, DEFAULT_EVENT_PARTITIONS, 1, MAX_PARTITIONS);
    int events = settings.integer(EVENTS_KEY, legacyEvents, 1, MAX_PARTITIONS);
    Map<Topic, Integer> counts = new EnumMap<>(Topic.class);
    for (Topic topic : Topic.values()) {
      int fallback = defaultCount(topic, events);
      counts.put(
          topic,
          isEvent(topic) ? events : settings.integer(key(topic), fallback, 1, MAX_PARTITIONS));
    }
    return new TopicPartitions(counts);
  }

  /** The setting of a topic's count: {@code topic.partitions.events} for the event topics. */
  public static String key(Topic topic) {
    if (isEvent(topic)) {
      return EVENTS_KEY;
    }
    String shortName =
        topic.topicName().substring("porthole.".length(), topic.topicName().lastIndexOf(".v"));
    return "topic.partitions." + shortName.replace('-', '.');
  }

  public int eventPartitions() {
    return counts.get(Topic.CONTAINER_EVENTS);
  }

  public int of(Topic topic) {
    return counts.get(topic);
  }

  static boolean isEvent(Topic topic) {
    return topic == Topic.CONTAINER_EVENTS || topic == Topic.FLOWS || topic == Topic.SYSCALLS;
  }

  private static int defaultCount(Topic topic, int eventPartitions) {
    return switch (topic) {
      case CONTAINER_EVENTS, FLOWS, SYSCALLS -> eventPartitions;
      case ALERTS, COMMANDS, COMMAND_RESULTS, IMAGE_SUMMARIES -> 3;
      case HEARTBEATS, DEAD_LETTERS -> 1;
    };
  }
}
