package io.porthole.runtime.kafka;

import io.vertx.core.Future;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Positioning a Vert.x Kafka consumer on its assigned partitions. */
public final class Seeks {

  private Seeks() {}

  /**
   * Seeks each of {@code partitions} (assigned to {@code consumer}) to its first record with a
   * timestamp at or after {@code sinceMillis}, or to its end when it has none.
   */
  public static Future<Void> toTime(
      KafkaConsumer<?, ?> consumer, Set<TopicPartition> partitions, long sinceMillis) {
    if (partitions.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(partition -> times.put(partition, sinceMillis));
    return consumer
        .offsetsForTimes(times)
        .compose(
            found -> {
              List<Future<Void>> seeks = new ArrayList<>();
              for (TopicPartition partition : partitions) {
                var offset = found.get(partition);
                seeks.add(
                    offset == null
                        ? consumer.seekToEnd(partition)
                        : consumer.seek(partition, offset.getOffset()));
              }
              return Future.all(seeks).mapEmpty();
            });
  }
}
