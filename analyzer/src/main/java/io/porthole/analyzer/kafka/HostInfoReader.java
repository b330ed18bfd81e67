package io.porthole.analyzer.kafka;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.kafka.Seeks;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.wire.ProtobufDeserializer;
import io.vertx.core.Future;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads every partition of the heartbeat topic without a consumer group, from the replay window on,
 * and hands each heartbeat to {@code sink}: every analyzer instance learns every host's kernel,
 * while the host rules run only where the group put the host's heartbeat partition. Undecodable
 * heartbeats are skipped here (the group consumer dead-letters them).
 */
final class HostInfoReader implements Lifecycle {

  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final Duration replayWindow;
  private final Consumer<CollectorHeartbeat> sink;
  private final ProtobufDeserializer<CollectorHeartbeat> heartbeats =
      ProtobufDeserializer.heartbeats();
  private boolean closing;
  private KafkaClientMetrics clientMetrics;

  HostInfoReader(
      KafkaConsumer<String, byte[]> consumer,
      String topic,
      Duration replayWindow,
      Consumer<CollectorHeartbeat> sink) {
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.replayWindow = Objects.requireNonNull(replayWindow, "replayWindow");
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /**
   * Reports the consumer's own metrics in {@code metrics} (none when null: the analyzer's stats are
   * not bound to a registry).
   */
  HostInfoReader bindMetrics(PortholeMetrics metrics) {
    if (metrics != null) {
      clientMetrics = metrics.bindKafkaConsumer(consumer.unwrap());
    }
    return this;
  }

  /** Completes once every partition is assigned and positioned; polling then goes on by itself. */
  @Override
  public Future<Void> start() {
    long since = System.currentTimeMillis() - replayWindow.toMillis();
    return consumer
        .partitionsFor(topic)
        .compose(
            infos -> {
              Set<TopicPartition> partitions = new HashSet<>();
              infos.forEach(info -> partitions.add(new TopicPartition(topic, info.getPartition())));
              return consumer
                  .assign(partitions)
                  .compose(v -> Seeks.toTime(consumer, partitions, since));
            })
        .onSuccess(v -> poll())
        .mapEmpty();
  }

  @Override
  public Future<Void> stop() {
    closing = true;
    if (clientMetrics != null) {
      clientMetrics.close();
      clientMetrics = null;
    }
    return consumer.close();
  }

  private void poll() {
    if (closing) {
      return;
    }
    consumer
        .poll(POLL_TIMEOUT)
        .onComplete(
            ar -> {
              try {
                if (ar.succeeded()) {
                  handle(ar.result());
                }
              } finally {
                poll();
              }
            });
  }

  private void handle(KafkaConsumerRecords<String, byte[]> records) {
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, byte[]> record = records.recordAt(i);
      if (record.value() == null) {
        continue;
      }
      try {
        sink.accept(heartbeats.deserialize(record.topic(), record.value()));
      } catch (RuntimeException e) {
        // Undecodable or without a host: only a kernel version is not learned here; the group
        // consumer dead-letters the record.
      }
    }
  }
}
