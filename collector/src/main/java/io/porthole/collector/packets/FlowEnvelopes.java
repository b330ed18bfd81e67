package io.porthole.collector.packets;

import io.porthole.collector.EventSink;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.FlowRecord;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;

/**
 * Wraps flow records in envelopes (event time: the record's last packet) for an {@link EventSink}.
 */
public final class FlowEnvelopes implements FlowTable.RecordSink {

  private final String hostId;
  private final EventSink sink;
  private final Clock clock;

  public FlowEnvelopes(String hostId, EventSink sink, Clock clock) {
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public void accept(String containerId, FlowRecord record) {
    sink.emit(Topic.FLOWS, envelope(hostId, containerId, record, clock));
  }

  public static EventEnvelope envelope(
      String hostId, String containerId, FlowRecord record, Clock clock) {
    return EventEnvelope.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setHostId(hostId)
        .setContainerId(containerId)
        .setTime(record.getLastSeen())
        .setCollectorTime(Timestamps.of(clock.instant()))
        .setFlow(record)
        .build();
  }
}
