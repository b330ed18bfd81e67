package io.porthole.collector.strace;

import com.google.protobuf.Timestamp;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ProcessExit;
import io.porthole.proto.SyscallBatch;
import io.porthole.proto.SyscallEvent;
import io.porthole.wire.Timestamps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Collects the syscalls and task exits of one traced container into {@link SyscallBatch} envelopes:
 * a batch is emitted once it has been open for the interval (checked on every add and by {@link
 * #flushIfDue()}, which a timer calls while the container is quiet) and on {@link #flush()}. A
 * batch holds at most {@code maxEvents} syscalls; more within one interval are dropped and counted
 * in the batch ({@code dropped_events}), so a busy container cannot flood the topic. Exits are
 * never dropped. Thread-safe (the reader thread adds, a timer flushes).
 */
public final class SyscallBatcher {

  private final String hostId;
  private final String containerId;
  private final String traceReason;
  private final long intervalMillis;
  private final int maxEvents;
  private final LongSupplier clockMillis;
  private final Consumer<EventEnvelope> output;

  private final List<SyscallEvent> syscalls = new ArrayList<>();
  private final List<ProcessExit> exits = new ArrayList<>();
  private long openedAtMillis = -1;
  private int unparsedLines;
  private int droppedEvents;
  private Timestamp firstEventTime;

  private long batches;
  private long eventsBatched;
  private long exitsBatched;
  private long totalDropped;
  private long totalUnparsed;

  /**
   * @param traceReason {@code label} or {@code command:<id>} (SyscallBatch.trace_reason)
   * @param interval how long a batch stays open
   * @param maxEvents syscalls per batch before dropping
   * @param clockMillis the clock intervals are measured on: the wall clock when tracing live, the
   *     events' own time when replaying a recording
   * @param output receives every batch envelope
   */
  public SyscallBatcher(
      String hostId,
      String containerId,
      String traceReason,
      Duration interval,
      int maxEvents,
      LongSupplier clockMillis,
      Consumer<EventEnvelope> output) {
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.containerId = Objects.requireNonNull(containerId, "containerId");
    this.traceReason = Objects.requireNonNull(traceReason, "traceReason");
    this.intervalMillis = interval.toMillis();
    if (intervalMillis < 1) {
      throw new IllegalArgumentException("interval must be at least 1 ms");
    }
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be positive");
    }
    this.maxEvents = maxEvents;
    this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
    this.output = Objects.requireNonNull(output, "output");
  }

  /** Adds a syscall; false when the batch was full and it was dropped (counted in the batch). */
  public synchronized boolean add(SyscallEvent event) {
    flushIfDue();
    open(event.hasTime() ? event.getTime() : null);
    if (syscalls.size() >= maxEvents) {
      droppedEvents++;
      totalDropped++;
      return false;
    }
    syscalls.add(event);
    eventsBatched++;
    return true;
  }

  public synchronized void add(ProcessExit exit) {
    flushIfDue();
    open(exit.hasTime() ? exit.getTime() : null);
    exits.add(exit);
    exitsBatched++;
  }

  /** Lines of this container's strace output that could not be parsed. */
  public synchronized void unparsed(int lines) {
    flushIfDue();
    open(null);
    unparsedLines += lines;
    totalUnparsed += lines;
  }

  /** Emits the open batch if it has been open for the interval. */
  public synchronized boolean flushIfDue() {
    if (openedAtMillis >= 0 && clockMillis.getAsLong() - openedAtMillis >= intervalMillis) {
      return flush();
    }
    return false;
  }

  /** Emits the open batch now, if it has anything. */
  public synchronized boolean flush() {
    if (openedAtMillis < 0) {
      return false;
    }
    Timestamp now = Timestamps.now();
    SyscallBatch batch =
        SyscallBatch.newBuilder()
            .addAllSyscalls(syscalls)
            .addAllExits(exits)
            .setTraceReason(traceReason)
            .setUnparsedLines(unparsedLines)
            .setDroppedEvents(droppedEvents)
            .build();
    EventEnvelope envelope =
        EventEnvelope.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setHostId(hostId)
            .setContainerId(containerId)
            .setTime(firstEventTime != null ? firstEventTime : now)
            .setCollectorTime(now)
            .setSyscalls(batch)
            .build();
    syscalls.clear();
    exits.clear();
    unparsedLines = 0;
    droppedEvents = 0;
    firstEventTime = null;
    openedAtMillis = -1;
    batches++;
    output.accept(envelope);
    return true;
  }

  private void open(Timestamp eventTime) {
    if (openedAtMillis < 0) {
      openedAtMillis = clockMillis.getAsLong();
    }
    if (firstEventTime == null && eventTime != null) {
      firstEventTime = eventTime;
    }
  }

  public String containerId() {
    return containerId;
  }

  public synchronized long batches() {
    return batches;
  }

  public synchronized long eventsBatched() {
    return eventsBatched;
  }

  public synchronized long exitsBatched() {
    return exitsBatched;
  }

  public synchronized long droppedEvents() {
    return totalDropped;
  }

  public synchronized long unparsedLines() {
    return totalUnparsed;
  }
}
