package io.porthole.collector;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The collector's {@link CollectorStats} as Prometheus counters: the same atomic counters the
 * heartbeat reports, read at scrape time, so nothing is counted twice. Sources are tagged by {@code
 * source}; envelopes Kafka acknowledged by {@code topic} and the {@code source} that feeds it
 * (container-events: docker, syscalls: strace, flows: packets); drops by {@code source} and {@code
 * reason}: every place the collector loses an event (a full buffer, the syscall batch bound, an
 * strace line not understood or an unfinished call evicted, libpcap's and the interface's drops,
 * kernel log records overwritten unread).
 */
final class CollectorMetrics {

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  private CollectorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Registers the counters of {@code stats}; {@link #remove()} takes them out again. */
  static CollectorMetrics bind(MeterRegistry registry, CollectorStats stats) {
    CollectorMetrics metrics = new CollectorMetrics(registry);
    metrics.counter(
        "events.seen", stats.dockerEventsSeen, "Docker events received", "source", "docker");
    metrics.counter(
        "events.seen",
        stats.syscallEventsSeen,
        "syscall events parsed from strace",
        "source",
        "strace");
    metrics.counter("events.seen", stats.packetsSeen, "packets captured", "source", "packets");
    metrics.counter(
        "events.seen", stats.kmsgRecordsRead, "kernel log records read", "source", "kmsg");
    metrics.counter(
        "events.published",
        stats.dockerEventsPublished,
        "envelopes Kafka acknowledged",
        "topic",
        "container-events",
        "source",
        "docker");
    metrics.counter(
        "events.published",
        stats.syscallBatchesPublished,
        "envelopes Kafka acknowledged",
        "topic",
        "syscalls",
        "source",
        "strace");
    metrics.counter(
        "events.published",
        stats.flowRecordsPublished,
        "envelopes Kafka acknowledged",
        "topic",
        "flows",
        "source",
        "packets");
    metrics.counter(
        "events.published.all",
        stats.eventsPublished,
        "every envelope Kafka acknowledged, all topics");
    metrics.dropped(stats.dockerEventsDroppedBackpressure, "docker", "backpressure");
    metrics.dropped(stats.syscallBatchesDroppedBackpressure, "strace", "backpressure");
    metrics.dropped(stats.flowRecordsDroppedBackpressure, "packets", "backpressure");
    metrics.dropped(stats.syscallEventsDroppedBatchLimit, "strace", "batch_limit");
    metrics.dropped(stats.straceLinesUnparsed, "strace", "unparsed");
    metrics.dropped(stats.syscallsDroppedUnfinished, "strace", "unfinished_evicted");
    metrics.dropped(stats.pcapDropped, "packets", "libpcap");
    metrics.dropped(stats.pcapInterfaceDropped, "packets", "interface");
    metrics.dropped(stats.kmsgRecordsLost, "kmsg", "overwritten");
    metrics.counter(
        "kafka.send.failures",
        stats.kafkaSendFailures,
        "envelopes Kafka refused or did not acknowledge");
    metrics.counter(
        "pcap.dropped", stats.pcapDropped, "packets libpcap dropped", "where", "libpcap");
    metrics.counter(
        "pcap.dropped",
        stats.pcapInterfaceDropped,
        "packets the interface dropped",
        "where",
        "interface");
    metrics.counter("flows.evicted", stats.flowsEvicted, "flows evicted from a full flow table");
    metrics.counter(
        "strace.lines.unparsed", stats.straceLinesUnparsed, "strace lines not understood");
    metrics.counter(
        "strace.processes.started", stats.straceProcessesStarted, "strace processes started");
    metrics.counter("docker.reconnects", stats.dockerReconnects, "Docker events stream reconnects");
    metrics.counter(
        "docker.inspects.not.awaited",
        stats.dockerInspectsNotAwaited,
        "container events published from an earlier inspect: a die was queued behind their own");
    metrics.counter(
        "docker.events.reconciled",
        stats.dockerEventsReconciled,
        "events rebuilt by a reconcile after a gap");
    metrics.counter("kmsg.oom.kills", stats.kmsgOomKills, "OOM kills read from the kernel log");
    metrics.counter(
        "kmsg.records.lost", stats.kmsgRecordsLost, "kernel log records overwritten unread");
    metrics.counter(
        "packet.captures.failed", stats.packetCapturesFailed, "packet captures that failed");
    metrics.counter(
        "commands.executed", stats.commandsExecuted, "remediation commands carried out");
    metrics.counter("commands.rejected", stats.commandsRejected, "remediation commands refused");
    return metrics;
  }

  /**
   * What a source lost, and why: {@code porthole_collector_events_dropped_total{source,reason}},
   * the sources named as in {@code events_seen_total}.
   */
  private void dropped(AtomicLong counter, String source, String reason) {
    counter(
        "events.dropped",
        counter,
        "events a source lost before Kafka acknowledged them, by source and reason",
        "source",
        source,
        "reason",
        reason);
  }

  /** A counter read from {@code counter} at scrape time, tagged by {@code tags} (key, value...). */
  private void counter(String name, AtomicLong counter, String description, String... tags) {
    meters.add(
        FunctionCounter.builder("porthole.collector." + name, counter, AtomicLong::get)
            .description(description)
            .tags(tags)
            .register(registry));
  }

  void remove() {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
