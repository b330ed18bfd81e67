package io.porthole.app.kafka;

import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Settings;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How Porthole treats its topics at start.
 *
 * @param create whether missing topics are created ({@code topic.create}, default true); when false
 *     they must exist, and the missing ones are named before anything starts
 * @param replicationFactor replicas of each created topic ({@code topic.replication.factor});
 *     empty: the broker's {@code default.replication.factor}
 * @param minInsyncReplicas {@code min.insync.replicas} of each created topic ({@code
 *     topic.min.insync.replicas}); empty: the broker's default
 * @param partitions partition counts of created topics ({@code topic.partitions.*})
 */
public record TopicPolicy(
    boolean create,
    Optional<Short> replicationFactor,
    OptionalInt minInsyncReplicas,
    TopicPartitions partitions) {

  public static final String CREATE_KEY = "topic.create";
  public static final String REPLICATION_FACTOR_KEY = "topic.replication.factor";
  public static final String MIN_INSYNC_REPLICAS_KEY = "topic.min.insync.replicas";

  public TopicPolicy {
    Objects.requireNonNull(replicationFactor, "replicationFactor");
    Objects.requireNonNull(minInsyncReplicas, "minInsyncReplicas");
    Objects.requireNonNull(partitions, "partitions");
  }

  /** Create what is missing with the broker's defaults: the embedded single broker. */
  public static TopicPolicy brokerDefaults(TopicPartitions partitions) {
    return new TopicPolicy(true, Optional.empty(), OptionalInt.empty(), partitions);
  }

  /** From the settings; a bad value, or more in-sync replicas than replicas, names the key. */
  public static TopicPolicy from(Settings settings) {
    boolean create = settings.bool(CREATE_KEY, true);
    Optional<Short> replication =
        settings
            .optional(REPLICATION_FACTOR_KEY)
            .map(text -> (short) settings.integer(REPLICATION_FACTOR_KEY, 1, 1, Short.MAX_VALUE));
    OptionalInt minInsync =
        settings.optional(MIN_INSYNC_REPLICAS_KEY).isPresent()
            ? OptionalInt.of(settings.integer(MIN_INSYNC_REPLICAS_KEY, 1, 1, Short.MAX_VALUE))
            : OptionalInt.empty();
    if (replication.isPresent()
        && minInsync.isPresent()
        && minInsync.getAsInt() > replication.get()) {
      throw new ConfigException(
          settings.describe(MIN_INSYNC_REPLICAS_KEY),
          "expected at most the replication factor ("
              + settings.describe(REPLICATION_FACTOR_KEY)
              + "="
              + replication.get()
              + ": a write needs that many replicas in sync) but was "
              + minInsync.getAsInt());
    }
    return new TopicPolicy(create, replication, minInsync, TopicPartitions.from(settings));
  }
}
