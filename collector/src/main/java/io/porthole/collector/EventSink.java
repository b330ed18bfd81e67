package io.porthole.collector;

import io.porthole.proto.EventEnvelope;
import io.porthole.wire.Topic;

/**
 * Where the collector's sources hand their envelopes: in the service, the Kafka publisher (keyed
 * {@code hostId/containerId}); in {@code porthole replay}, JSON lines on stdout; in tests, a list.
 * Implementations never block and may be called from any thread.
 */
@FunctionalInterface
public interface EventSink {

  void emit(Topic topic, EventEnvelope envelope);
}
