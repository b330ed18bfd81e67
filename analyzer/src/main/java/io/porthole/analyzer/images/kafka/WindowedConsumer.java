package io.porthole.analyzer.images.kafka;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.kafka.Seeks;
import io.porthole.runtime.ops.PortholeMetrics;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads topics from {@code now - window} on and hands every record to a sink, on the caller's event
 * loop. The per-image stages hold only derived, windowed state, so they commit nothing: after every
 * assignment (a start, a rebalance) the state is dropped ({@code onAssigned}) and rebuilt by
 * re-reading the window. With a group id the partitions are split among the group; without one
 * ({@link #allPartitions}) every partition of the topic is read, as every instance needs every
 * host's kernel version.
 */
final class WindowedConsumer implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(WindowedConsumer.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

  private final KafkaConsumer<String, byte[]> consumer;
  private final Set<String> topics;
  private final Duration window;
  private final boolean allPartitions;
  private final Runnable onAssigned;
  private final Consumer<KafkaConsumerRecord<String, byte[]>> sink;
  private boolean rewinding;
  private boolean polling;
  private boolean closing;
  private KafkaClientMetrics clientMetrics;

  private WindowedConsumer(
      KafkaConsumer<String, byte[]> consumer,
      Set<String> topics,
      Duration window,
      boolean allPartitions,
      Runnable onAssigned,
      Consumer<KafkaConsumerRecord<String, byte[]>> sink) {
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.topics = Set.copyOf(topics);
    this.window = Objects.requireNonNull(window, "window");
    this.allPartitions = allPartitions;
    this.onAssigned = Objects.requireNonNull(onAssigned, "onAssigned");
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /** A group member: its share of the topics' partitions. */
  static WindowedConsumer group(
      KafkaConsumer<String, byte[]> consumer,
      Set<String> topics,
      Duration window,
      Runnable onAssigned,
      Consumer<KafkaConsumerRecord<String, byte[]>> sink) {
    return new WindowedConsumer(consumer, topics, window, false, onAssigned, sink);
  }

  /** Every partition of one topic, without a group. */
  static WindowedConsumer allPartitions(
      KafkaConsumer<String, byte[]> consumer,
      String topic,
      Duration window,
      Consumer<KafkaConsumerRecord<String, byte[]>> sink) {
    return new WindowedConsumer(consumer, Set.of(topic), window, true, () -> {}, sink);
  }

  /** Reports the consumer's own metrics (lag per partition among them) in {@code metrics}. */
  WindowedConsumer bindMetrics(PortholeMetrics metrics) {
    clientMetrics = metrics.bindKafkaConsumer(consumer.unwrap());
    return this;
  }

  /**
   * Completes once subscribed (or, without a group, assigned and positioned); polling then goes on.
   */
  @Override
  public Future<Void> start() {
    if (allPartitions) {
      String topic = topics.iterator().next();
      return consumer
          .partitionsFor(topic)
          .compose(
              infos -> {
                Set<TopicPartition> partitions = new HashSet<>();
                infos.forEach(
                    info -> partitions.add(new TopicPartition(topic, info.getPartition())));
                return consumer.assign(partitions).compose(v -> rewind(partitions));
              })
          .onSuccess(v -> poll());
    }
    consumer.partitionsAssignedHandler(this::assigned);
    consumer.partitionsRevokedHandler(partitions -> rewinding = true);
    return consumer.subscribe(topics).onSuccess(v -> poll());
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

  private void assigned(Set<TopicPartition> partitions) {
    rewinding = true;
    onAssigned.run();
    rewind(partitions)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn(
                    "could not rewind {} ({}); the per-image state may miss the start of "
                        + "the window",
                    topics,
                    ar.cause().toString());
              }
              rewinding = false;
              poll();
            });
  }

  /** Seeks each partition to its first record newer than the window's start, or to its end. */
  private Future<Void> rewind(Set<TopicPartition> partitions) {
    return Seeks.toTime(consumer, partitions, System.currentTimeMillis() - window.toMillis());
  }

  private void poll() {
    if (closing || rewinding || polling) {
      return;
    }
    polling = true;
    consumer
        .poll(POLL_TIMEOUT)
        .onComplete(
            ar -> {
              polling = false;
              // A batch fetched before a rebalance's seeks belongs to the state that was just
              // dropped.
              boolean current = !rewinding;
              if (ar.succeeded() && current) {
                handle(ar.result());
              } else if (ar.failed() && !closing) {
                LOG.warn("poll of {} failed: {}", topics, ar.cause().toString());
              }
              poll();
            });
  }

  private void handle(KafkaConsumerRecords<String, byte[]> records) {
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, byte[]> record = records.recordAt(i);
      if (record.value() != null) {
        sink.accept(record);
      }
    }
  }
}
