package io.porthole.collector.publish;

import io.porthole.collector.CollectorStats;
import io.porthole.collector.EventSink;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.kafka.RecordDroppedException;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Topic;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The collector's sink: each envelope goes to Kafka through the {@link RecordPublisher}, keyed
 * {@code hostId/containerId}. Never blocks. Counts into {@link CollectorStats}: every acknowledged
 * envelope in {@code eventsPublished} (and in its topic's own counter), envelopes refused because
 * the publish buffer was full in {@code eventsDroppedBackpressure}, envelopes Kafka refused or did
 * not acknowledge in {@code kafkaSendFailures}.
 */
public final class KafkaEventSink implements EventSink {

  private final RecordPublisher publisher;
  private final CollectorStats stats;

  public KafkaEventSink(RecordPublisher publisher, CollectorStats stats) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  @Override
  public void emit(Topic topic, EventEnvelope envelope) {
    String key;
    try {
      key = new RecordKey(envelope.getHostId(), envelope.getContainerId()).asString();
    } catch (IllegalArgumentException e) {
      // A source bug, not a Kafka problem: refuse the envelope without losing the others.
      stats.kafkaSendFailures.incrementAndGet();
      return;
    }
    publisher
        .send(topic, key, envelope)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                stats.eventsPublished.incrementAndGet();
                AtomicLong perTopic = publishedCounter(topic);
                if (perTopic != null) {
                  perTopic.incrementAndGet();
                }
              } else if (isDrop(ar.cause())) {
                stats.eventsDroppedBackpressure.incrementAndGet();
              } else {
                stats.kafkaSendFailures.incrementAndGet();
              }
            });
  }

  /**
   * The publisher fails a send either at once, because its buffer is full or it stopped (a drop,
   * counted in its {@code dropped()}), or later, because Kafka did not acknowledge it (a failure).
   */
  private static boolean isDrop(Throwable cause) {
    return cause instanceof RecordDroppedException;
  }

  private AtomicLong publishedCounter(Topic topic) {
    return switch (topic) {
      case CONTAINER_EVENTS -> stats.dockerEventsPublished;
      case SYSCALLS -> stats.syscallBatchesPublished;
      case FLOWS -> stats.flowRecordsPublished;
      default -> null;
    };
  }
}
