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
 * (container-events: docker, syscalls: strace, flows: packets); drops by {@code reason}.
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
        "events.seen", "source", "docker", stats.dockerEventsSeen, "Docker events received");
    metrics.counter(
        "events.seen",
        "source",
        "strace",
        stats.syscallEventsSeen,
        "syscall events parsed from strace");
    metrics.counter("events.seen", "source", "packets", stats.packetsSeen, "packets captured");
    metrics.counter(
        "events.seen", "source", "kmsg", stats.kmsgRecordsRead, "kernel log records read");
    metrics.counter(
        "events.published",
        "topic",
        "container-events",
        "source",
        "docker",
        stats.dockerEventsPublished,
        "envelopes Kafka acknowledged");
    metrics.counter(
        "events.published",
        "topic",
        "syscalls",
        "source",
        "strace",
        stats.syscallBatchesPublished,
        "envelopes Kafka acknowledged");
    metrics.counter(
        "events.published",
        "topic",
        "flows",
        "source",
        "packets",
        stats.flowRecordsPublished,
        "envelopes Kafka acknowledged");
    metrics.counter(
        "events.published.all",
        null,
        null,
        stats.eventsPublished,
        "every envelope Kafka acknowledged, all topics");
    metrics.counter(
        "events.dropped",
        "reason",
        "backpressure",
        stats.eventsDroppedBackpressure,
        "events dropped because a buffer was full");
    metrics.counter(
        "kafka.send.failures",
        null,
        null,
        stats.kafkaSendFailures,
        "envelopes Kafka refused or did not acknowledge");
    metrics.counter(
        "pcap.dropped", "where", "libpcap", stats.pcapDropped, "packets libpcap dropped");
    metrics.counter(
        "pcap.dropped",
        "where",
        "interface",
        stats.pcapInterfaceDropped,
        "packets the interface dropped");
    metrics.counter(
        "flows.evicted", null, null, stats.flowsEvicted, "flows evicted from a full flow table");
    metrics.counter(
        "strace.lines.unparsed",
        null,
        null,
        stats.straceLinesUnparsed,
        "strace lines not understood");
    metrics.counter(
        "strace.processes.started",
        null,
        null,
        stats.straceProcessesStarted,
        "strace processes started");
    metrics.counter(
        "docker.reconnects", null, null, stats.dockerReconnects, "Docker events stream reconnects");
    metrics.counter(
        "docker.events.reconciled",
        null,
        null,
        stats.dockerEventsReconciled,
        "events rebuilt by a reconcile after a gap");
    metrics.counter(
        "kmsg.oom.kills", null, null, stats.kmsgOomKills, "OOM kills read from the kernel log");
    metrics.counter(
        "kmsg.records.lost",
        null,
        null,
        stats.kmsgRecordsLost,
        "kernel log records overwritten unread");
    metrics.counter(
        "packet.captures.failed",
        null,
        null,
        stats.packetCapturesFailed,
        "packet captures that failed");
    metrics.counter(
        "commands.executed",
        null,
        null,
        stats.commandsExecuted,
        "remediation commands carried out");
    metrics.counter(
        "commands.rejected", null, null, stats.commandsRejected, "remediation commands refused");
    return metrics;
  }

  private void counter(
      String name, String tag, String value, AtomicLong counter, String description) {
    counter(name, tag, value, null, null, counter, description);
  }

  private void counter(
      String name,
      String tag,
      String value,
      String tag2,
      String value2,
      AtomicLong counter,
      String description) {
    FunctionCounter.Builder<AtomicLong> builder =
        FunctionCounter.builder("porthole.collector." + name, counter, AtomicLong::get)
            .description(description);
    if (tag != null) {
      builder.tag(tag, value);
    }
    if (tag2 != null) {
      builder.tag(tag2, value2);
    }
    meters.add(builder.register(registry));
  }

  void remove() {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
