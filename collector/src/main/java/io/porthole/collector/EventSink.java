package io.porthole.collector;

import io.porthole.proto.EventEnvelope;
import io.porthole.wire.Topic;
import java.util.function.Consumer;

/**
 * Where the collector's sources hand their envelopes: in the service, the Kafka publisher (keyed
 * {@code hostId/containerId}); in {@code porthole replay}, JSON lines on stdout; in tests, a list.
 * Implementations never block and may be called from any thread.
 */
@FunctionalInterface
public interface EventSink {

  void emit(Topic topic, EventEnvelope envelope);

  /**
   * Emits and tells {@code outcome} once the envelope is delivered ({@code null}) or will not be
   * (the cause): the Docker source advances its persisted stream position only past delivered
   * events. Sinks without acknowledgements deliver at once.
   */
  default void emit(Topic topic, EventEnvelope envelope, Consumer<Throwable> outcome) {
    emit(topic, envelope);
    outcome.accept(null);
  }
}
