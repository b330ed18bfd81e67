package io.porthole.analyzer.kafka;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one analyzer instance, readable from any thread (for metrics and tests). */
public final class AnalyzerStats {

  final AtomicLong recordsProcessed = new AtomicLong();
  final AtomicLong recordsDeadLettered = new AtomicLong();
  final AtomicLong alertsPublished = new AtomicLong();
  final AtomicLong publishRetries = new AtomicLong();
  final AtomicLong rebalances = new AtomicLong();
  final AtomicLong pauses = new AtomicLong();
  final AtomicLong containersEvicted = new AtomicLong();
  final AtomicLong trackedContainers = new AtomicLong();

  /** Records analysed (including those re-read to rebuild state after an assignment). */
  public long recordsProcessed() {
    return recordsProcessed.get();
  }

  /** Records sent to the dead-letter topic. */
  public long recordsDeadLettered() {
    return recordsDeadLettered.get();
  }

  /** Alert versions acknowledged by the broker. */
  public long alertsPublished() {
    return alertsPublished.get();
  }

  /** Alert or dead-letter sends that failed and were tried again. */
  public long publishRetries() {
    return publishRetries.get();
  }

  /** Partition assignments received (the first one included). */
  public long rebalances() {
    return rebalances.get();
  }

  /**
   * Times the consumer paused because {@code analyzer.max.in.flight} records were in batches whose
   * alerts or dead letters awaited acknowledgement (updated every tick and at stop).
   */
  public long pauses() {
    return pauses.get();
  }

  /** Containers forgotten because the cap on tracked containers was hit. */
  public long containersEvicted() {
    return containersEvicted.get();
  }

  public long trackedContainers() {
    return trackedContainers.get();
  }
}
