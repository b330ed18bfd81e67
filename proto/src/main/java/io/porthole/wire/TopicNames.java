package io.porthole.wire;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The actual Kafka topic name of each {@link Topic} in one deployment: the standard names, or the
 * standard names behind a prefix (several deployments or test runs sharing one cluster).
 */
public final class TopicNames {

  private static final TopicNames STANDARD = new TopicNames("");

  private final String prefix;
  private final Map<Topic, String> names = new EnumMap<>(Topic.class);

  private TopicNames(String prefix) {
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    for (Topic topic : Topic.values()) {
      names.put(topic, prefix + topic.topicName());
    }
  }

  /** The names of DESIGN.md: {@code porthole.container-events.v1}, ... */
  public static TopicNames standard() {
    return STANDARD;
  }

  /** Every name behind {@code prefix}, e.g. {@code it-1a2b.porthole.flows.v1}. */
  public static TopicNames withPrefix(String prefix) {
    return prefix == null || prefix.isEmpty() ? STANDARD : new TopicNames(prefix);
  }

  public String prefix() {
    return prefix;
  }

  public String name(Topic topic) {
    return names.get(topic);
  }

  /** The topic a Kafka topic name stands for in this deployment. */
  public Optional<Topic> topicOf(String name) {
    if (!name.startsWith(prefix)) {
      return Optional.empty();
    }
    return Topic.ofName(name.substring(prefix.length()));
  }

  public String[] names(Topic... topics) {
    String[] result = new String[topics.length];
    for (int i = 0; i < topics.length; i++) {
      result[i] = name(topics[i]);
    }
    return result;
  }

  @Override
  public String toString() {
    return prefix.isEmpty() ? "standard topic names" : "topic names with prefix " + prefix;
  }
}
