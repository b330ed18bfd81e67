package io.porthole.app.kafka;

import io.porthole.runtime.KafkaSettings;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Brings a cluster's topics in line with the {@link TopicPlan}: asks which of Porthole's topics
 * exist and with how many partitions, then creates the missing ones or stops with the plan's
 * problems. Blocking; the decisions are the plan's.
 */
public final class TopicSetup {

  /** What was done: the topics created (the others existed) and what the operator should know. */
  public record Outcome(List<String> created, List<String> warnings) {}

  private final KafkaSettings kafka;
  private final TopicNames names;
  private final TopicPolicy policy;

  public TopicSetup(KafkaSettings kafka, TopicNames names, TopicPolicy policy) {
    this.kafka = Objects.requireNonNull(kafka, "kafka");
    this.names = Objects.requireNonNull(names, "names");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /**
   * @throws IllegalStateException with the plan's problems, or naming the topic that could not be
   *     created, or saying that the cluster did not answer in time
   */
  public Outcome apply(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> defaults =
        Map.of(
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            String.valueOf(timeout.toMillis()),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
            "10000");
    try (Admin admin =
        Admin.create(new HashMap<>(kafka.adminConfig("porthole-topic-setup", defaults)))) {
      TopicPlan plan = TopicPlan.decide(names, policy, existingPartitions(admin, deadline));
      if (!plan.problems().isEmpty()) {
        throw new IllegalStateException(String.join("; ", plan.problems()));
      }
      return new Outcome(create(admin, plan, deadline), plan.warnings());
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot list topics on "
              + kafka.bootstrapServers()
              + ": "
              + kafka.scrub(e.getCause().getMessage()),
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at "
              + kafka.bootstrapServers()
              + " did not answer within "
              + timeout.toSeconds()
              + " s",
          e);
    }
  }

  private Map<String, Integer> existingPartitions(Admin admin, long deadline)
      throws InterruptedException, ExecutionException, TimeoutException {
    Set<String> listed =
        admin
            .listTopics(new ListTopicsOptions().listInternal(false))
            .names()
            .get(remaining(deadline), TimeUnit.NANOSECONDS);
    List<String> ours =
        Arrays.stream(names.names(Topic.values())).filter(listed::contains).toList();
    Map<String, Integer> existing = new HashMap<>();
    if (!ours.isEmpty()) {
      Map<String, TopicDescription> described =
          admin.describeTopics(ours).allTopicNames().get(remaining(deadline), TimeUnit.NANOSECONDS);
      described.forEach((name, description) -> existing.put(name, description.partitions().size()));
    }
    return existing;
  }

  private List<String> create(Admin admin, TopicPlan plan, long deadline)
      throws InterruptedException, TimeoutException {
    if (plan.toCreate().isEmpty()) {
      return List.of();
    }
    List<NewTopic> newTopics = new ArrayList<>();
    for (TopicPlan.NewTopicSpec spec : plan.toCreate()) {
      newTopics.add(
          new NewTopic(spec.name(), Optional.of(spec.partitions()), spec.replicationFactor())
              .configs(spec.configs()));
    }
    List<String> created = new ArrayList<>();
    for (Map.Entry<String, KafkaFuture<Void>> result :
        admin.createTopics(newTopics).values().entrySet()) {
      try {
        result.getValue().get(remaining(deadline), TimeUnit.NANOSECONDS);
        created.add(result.getKey());
      } catch (ExecutionException e) {
        // Another instance starting at the same time may have created it first.
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException(
              "cannot create topic "
                  + result.getKey()
                  + ": "
                  + kafka.scrub(e.getCause().getMessage()),
              e.getCause());
        }
      }
    }
    return created;
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }
}
