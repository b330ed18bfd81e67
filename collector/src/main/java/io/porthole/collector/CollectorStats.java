package io.porthole.collector;

import io.porthole.proto.CollectorCounters;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The collector's counters since start, updated by every source from any thread and reported in
 * each heartbeat ({@link #toProto()}), and the sources that are degraded ({@link #markDegraded}),
 * reported in the heartbeat's {@code degraded_sources}.
 *
 * <p>Each counter counts one thing at one place: the {@code *Published} counters (events, docker
 * events, syscall batches, flow records) count envelopes Kafka acknowledged, and only the {@link
 * io.porthole.collector.publish.KafkaEventSink} increments them; the sources count what they saw
 * ({@code *Seen}, {@code packetsSeen}) and never what they handed on.
 */
public final class CollectorStats {

  public final AtomicLong dockerEventsSeen = new AtomicLong();
  public final AtomicLong dockerEventsPublished = new AtomicLong();
  public final AtomicLong dockerReconnects = new AtomicLong();

  /** Events published without their own inspect: a die of the container was queued behind it. */
  public final AtomicLong dockerInspectsNotAwaited = new AtomicLong();

  public final AtomicLong syscallEventsSeen = new AtomicLong();
  public final AtomicLong syscallBatchesPublished = new AtomicLong();
  public final AtomicLong straceLinesUnparsed = new AtomicLong();
  public final AtomicLong straceProcessesStarted = new AtomicLong();
  public final AtomicLong packetsSeen = new AtomicLong();
  public final AtomicLong flowRecordsPublished = new AtomicLong();
  public final AtomicLong pcapDropped = new AtomicLong();
  public final AtomicLong pcapInterfaceDropped = new AtomicLong();
  public final AtomicLong flowsEvicted = new AtomicLong();
  public final AtomicLong kafkaSendFailures = new AtomicLong();
  public final AtomicLong eventsPublished = new AtomicLong();
  public final AtomicLong commandsExecuted = new AtomicLong();
  public final AtomicLong commandsRejected = new AtomicLong();
  public final AtomicLong dockerEventsReconciled = new AtomicLong();
  public final AtomicLong dockerEventsReplaySkipped = new AtomicLong();
  public final AtomicLong kmsgRecordsRead = new AtomicLong();
  public final AtomicLong kmsgOomKills = new AtomicLong();
  public final AtomicLong kmsgRecordsLost = new AtomicLong();
  public final AtomicLong packetCapturesFailed = new AtomicLong();

  // Drops by source ({@code porthole_collector_events_dropped_total{source,reason}}); the heartbeat
  // carries their totals (eventsDroppedBackpressure(), pcapDropped, straceLinesUnparsed,
  // kmsgRecordsLost).
  /** Container events lost to a full buffer: the inspect queue, or the publisher's. */
  public final AtomicLong dockerEventsDroppedBackpressure = new AtomicLong();

  /** Syscall batches the publisher dropped (buffer full, stopped). */
  public final AtomicLong syscallBatchesDroppedBackpressure = new AtomicLong();

  /** Flow records the publisher dropped (buffer full, stopped). */
  public final AtomicLong flowRecordsDroppedBackpressure = new AtomicLong();

  /** Syscalls left out of a full batch ({@code strace.batch.max.events} within one interval). */
  public final AtomicLong syscallEventsDroppedBatchLimit = new AtomicLong();

  /** Unfinished syscalls evicted before their resumed half arrived (too many waiting). */
  public final AtomicLong syscallsDroppedUnfinished = new AtomicLong();

  /**
   * Events lost to a full buffer, every source together: the sum of the three backpressure counters
   * (kept once, by source, rather than counted twice).
   */
  public long eventsDroppedBackpressure() {
    return dockerEventsDroppedBackpressure.get()
        + syscallBatchesDroppedBackpressure.get()
        + flowRecordsDroppedBackpressure.get();
  }

  private final Map<String, String> degraded = new ConcurrentHashMap<>();

  /**
   * Marks a source as not (fully) working, e.g. {@code markDegraded("packets", "no permission to
   * capture on docker0")}; the reason replaces an earlier one. Any thread.
   */
  public void markDegraded(String source, String reason) {
    degraded.put(source, reason);
  }

  /** The source works again. */
  public void clearDegraded(String source) {
    degraded.remove(source);
  }

  /** The degraded sources and why, sorted by source. */
  public Map<String, String> degradedSources() {
    return new TreeMap<>(degraded);
  }

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
        .setEventsDroppedBackpressure(eventsDroppedBackpressure())
        .setKafkaSendFailures(kafkaSendFailures.get())
        .setEventsPublished(eventsPublished.get())
        .setCommandsExecuted(commandsExecuted.get())
        .setCommandsRejected(commandsRejected.get())
        .setDockerEventsReconciled(dockerEventsReconciled.get())
        .setDockerEventsReplaySkipped(dockerEventsReplaySkipped.get())
        .setKmsgRecordsRead(kmsgRecordsRead.get())
        .setKmsgOomKills(kmsgOomKills.get())
        .setKmsgRecordsLost(kmsgRecordsLost.get())
        .setPacketCapturesFailed(packetCapturesFailed.get())
        .build();
  }
}
