package io.porthole.collector.publish;

import io.porthole.collector.CollectorStats;
import io.porthole.collector.EventSink;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.kafka.DeliveryListener;
import io.porthole.runtime.kafka.RecordDroppedException;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Topic;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The collector's sink: each envelope goes to Kafka through the {@link RecordPublisher}, keyed
 * {@code hostId/containerId}. Never blocks. Counts into {@link CollectorStats}: every acknowledged
 * envelope in {@code eventsPublished} (and in its topic's own counter), envelopes refused because
 * the publish buffer was full in their topic's drop counter (e.g. {@code
 * syscallBatchesDroppedBackpressure}, summed in {@code eventsDroppedBackpressure()}), envelopes
 * Kafka refused or did not acknowledge in {@code kafkaSendFailures}. These per-topic counters
 * ({@code dockerEventsPublished}, {@code syscallBatchesPublished}, {@code flowRecordsPublished})
 * are counted here only, once per acknowledged envelope: the sources do not count what they hand
 * on.
 *
 * <p>Outcomes only update atomic counters, so they are counted where Kafka reports them (its I/O
 * thread) through one {@link DeliveryListener} per topic: no future and no hop to a Vert.x context
 * per envelope on this, the collector's busiest path.
 */
public final class KafkaEventSink implements EventSink {

  private final RecordPublisher publisher;
  private final CollectorStats stats;
  private final Map<Topic, DeliveryListener> counters = new EnumMap<>(Topic.class);

  public KafkaEventSink(RecordPublisher publisher, CollectorStats stats) {
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.stats = Objects.requireNonNull(stats, "stats");
    for (Topic topic : Topic.values()) {
      counters.put(topic, outcomeCounter(publishedCounter(topic), droppedCounter(topic)));
    }
  }

  @Override
  public void emit(Topic topic, EventEnvelope envelope) {
    String key = keyOf(envelope);
    if (key != null) {
      publisher.publish(topic, key, envelope, counters.get(topic));
    }
  }

  @Override
  public void emit(Topic topic, EventEnvelope envelope, Consumer<Throwable> outcome) {
    String key = keyOf(envelope);
    if (key == null) {
      outcome.accept(new IllegalArgumentException("envelope without a valid host/container key"));
      return;
    }
    DeliveryListener counter = counters.get(topic);
    publisher.publish(
        topic,
        key,
        envelope,
        failure -> {
          counter.delivered(failure);
          outcome.accept(failure);
        });
  }

  /** The record key, or null (counted as a send failure) for an envelope no key can be made of. */
  private String keyOf(EventEnvelope envelope) {
    try {
      return new RecordKey(envelope.getHostId(), envelope.getContainerId()).asString();
    } catch (IllegalArgumentException e) {
      // A source bug, not a Kafka problem: refuse the envelope without losing the others.
      stats.kafkaSendFailures.incrementAndGet();
      return null;
    }
  }

  private DeliveryListener outcomeCounter(AtomicLong perTopic, AtomicLong droppedPerTopic) {
    return failure -> {
      if (failure == null) {
        stats.eventsPublished.incrementAndGet();
        if (perTopic != null) {
          perTopic.incrementAndGet();
        }
      } else if (isDrop(failure)) {
        if (droppedPerTopic != null) {
          droppedPerTopic.incrementAndGet();
        }
      } else {
        stats.kafkaSendFailures.incrementAndGet();
      }
    };
  }

  /**
   * The publisher drops an envelope it never handed to Kafka, because its buffer was full or it
   * stopped (counted in its {@code dropped()}); any other failure is Kafka not acknowledging it.
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

  /** Where a drop on {@code topic} is counted by source (the sink carries only these topics). */
  private AtomicLong droppedCounter(Topic topic) {
    return switch (topic) {
      case CONTAINER_EVENTS -> stats.dockerEventsDroppedBackpressure;
      case SYSCALLS -> stats.syscallBatchesDroppedBackpressure;
      case FLOWS -> stats.flowRecordsDroppedBackpressure;
      default -> null;
    };
  }
}
