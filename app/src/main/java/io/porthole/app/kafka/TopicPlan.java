package io.porthole.app.kafka;

import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What to do about Porthole's topics on a cluster, decided from what exists (topic name to
 * partition count) and the {@link TopicPolicy}: the topics to create, the problems that stop the
 * start (missing topics that may not be created, event topics that are not co-partitioned), and
 * warnings. Plain Java: {@link TopicSetup} asks the cluster and carries the plan out.
 */
public record TopicPlan(List<NewTopicSpec> toCreate, List<String> problems, List<String> warnings) {

  /** A topic to create; an empty replication factor leaves it to the broker's default. */
  public record NewTopicSpec(
      String name, int partitions, Optional<Short> replicationFactor, Map<String, String> configs) {
    public NewTopicSpec {
      configs = Map.copyOf(configs);
    }
  }

  public TopicPlan {
    toCreate = List.copyOf(toCreate);
    problems = List.copyOf(problems);
    warnings = List.copyOf(warnings);
  }

  public static TopicPlan decide(
      TopicNames names, TopicPolicy policy, Map<String, Integer> existing) {
    List<NewTopicSpec> toCreate = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<String> warnings = new ArrayList<>();

    int eventPartitions = eventPartitions(names, policy, existing, problems, warnings);
    Map<String, String> configs =
        policy.minInsyncReplicas().isPresent()
            ? Map.of("min.insync.replicas", String.valueOf(policy.minInsyncReplicas().getAsInt()))
            : Map.of();
    List<String> missing = new ArrayList<>();
    for (Topic topic : Topic.values()) {
      String name = names.name(topic);
      if (existing.containsKey(name)) {
        continue;
      }
      missing.add(name);
      int partitions =
          TopicPartitions.isEvent(topic) ? eventPartitions : policy.partitions().of(topic);
      toCreate.add(new NewTopicSpec(name, partitions, policy.replicationFactor(), configs));
    }
    if (!policy.create() && !missing.isEmpty()) {
      problems.add(
          TopicPolicy.CREATE_KEY
              + " is false and "
              + missing.size()
              + " of Porthole's topics do not exist: "
              + String.join(", ", missing)
              + " (create them as docs/kafka.md shows, or set "
              + TopicPolicy.CREATE_KEY
              + "=true)");
      toCreate.clear();
    }
    return new TopicPlan(toCreate, problems, warnings);
  }

  /**
   * The partition count of missing event topics: that of the existing ones, so that all three stay
   * co-partitioned (one analyzer instance must see every event of a container), else the setting.
   */
  private static int eventPartitions(
      TopicNames names,
      TopicPolicy policy,
      Map<String, Integer> existing,
      List<String> problems,
      List<String> warnings) {
    Map<String, Integer> existingEvents = new LinkedHashMap<>();
    for (Topic topic : Topic.eventTopics()) {
      Integer count = existing.get(names.name(topic));
      if (count != null) {
        existingEvents.put(names.name(topic), count);
      }
    }
    int configured = policy.partitions().eventPartitions();
    if (existingEvents.isEmpty()) {
      return configured;
    }
    TreeSet<Integer> counts = new TreeSet<>(existingEvents.values());
    if (counts.size() > 1) {
      List<String> described = new ArrayList<>();
      existingEvents.forEach((name, count) -> described.add(name + " has " + count));
      problems.add(
          "the event topics must have the same partition count (they are co-partitioned "
              + "by key: one analyzer"
              + " instance sees every event of a container), but "
              + String.join(", ", described)
              + ": give every one of them "
              + counts.last()
              + " partitions"
              + " (kafka-topics.sh --alter --topic NAME --partitions "
              + counts.last()
              + ")");
      return counts.last();
    }
    int actual = counts.first();
    if (actual < configured) {
      warnings.add(
          "the event topics have "
              + actual
              + " partitions, fewer than "
              + TopicPartitions.EVENTS_KEY
              + "="
              + configured
              + ": at most "
              + actual
              + " analyzer instances share the work"
              + (existingEvents.size() < 3
                  ? "; the missing ones are created with " + actual + " to stay co-partitioned"
                  : ""));
    } else if (actual > configured && existingEvents.size() < 3) {
      warnings.add(
          "the existing event topics have "
              + actual
              + " partitions: the missing ones are created with "
              + actual
              + ", not "
              + TopicPartitions.EVENTS_KEY
              + "="
              + configured
              + ", to stay co-partitioned");
    }
    return actual;
  }
}
