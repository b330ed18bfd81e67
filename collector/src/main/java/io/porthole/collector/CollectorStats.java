package io.porthole.collector;

import io.porthole.proto.CollectorCounters;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The collector's counters since start, updated by every source from any thread and reported in
 * each heartbeat ({@link #toProto()}).
 */
public final class CollectorStats {

  public final AtomicLong dockerEventsSeen = new AtomicLong();
  public final AtomicLong dockerEventsPublished = new AtomicLong();
  public final AtomicLong dockerReconnects = new AtomicLong();
  public final AtomicLong syscallEventsSeen = new AtomicLong();
  public final AtomicLong syscallBatchesPublished = new AtomicLong();
  public final AtomicLong straceLinesUnparsed = new AtomicLong();
  public final AtomicLong straceProcessesStarted = new AtomicLong();
  public final AtomicLong packetsSeen = new AtomicLong();
  public final AtomicLong flowRecordsPublished = new AtomicLong();
  public final AtomicLong pcapDropped = new AtomicLong();
  public final AtomicLong pcapInterfaceDropped = new AtomicLong();
  public final AtomicLong flowsEvicted = new AtomicLong();
  public final AtomicLong eventsDroppedBackpressure = new AtomicLong();
  public final AtomicLong kafkaSendFailures = new AtomicLong();
  public final AtomicLong eventsPublished = new AtomicLong();
  public final AtomicLong commandsExecuted = new AtomicLong();
  public final AtomicLong commandsRejected = new AtomicLong();

  public CollectorCounters toProto() {
    return CollectorCounters.newBuilder()
        .setDockerEventsSeen(dockerEventsSeen.get())
        .setDockerEventsPublished(dockerEventsPublished.get())
        .setDockerReconnects(dockerReconnects.get())
        .setSyscallEventsSeen(syscallEventsSeen.get())
        .setSyscallBatchesPublished(syscallBatchesPublished.get())
        .setStraceLinesUnparsed(straceLinesUnparsed.get())
        .setStraceProcessesStarted(straceProcessesStarted.get())
        .setPacketsSeen(packetsSeen.get())
        .setFlowRecordsPublished(flowRecordsPublished.get())
        .setPcapDropped(pcapDropped.get())
        .setPcapInterfaceDropped(pcapInterfaceDropped.get())
        .setFlowsEvicted(flowsEvicted.get())
        .setEventsDroppedBackpressure(eventsDroppedBackpressure.get())
        .setKafkaSendFailures(kafkaSendFailures.get())
        .setEventsPublished(eventsPublished.get())
        .setCommandsExecuted(commandsExecuted.get())
        .setCommandsRejected(commandsRejected.get())
        .build();
  }
}
