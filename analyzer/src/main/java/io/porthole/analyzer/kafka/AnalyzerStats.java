package io.porthole.analyzer.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.porthole.analyzer.rules.DetectionRule;
import io.porthole.analyzer.rules.ExcludingRule;
import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.ops.KafkaProbes;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.runtime.ops.Readiness;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Counters of one analyzer instance, readable from any thread (for metrics and tests): the one
 * class that counts what the analyzer does, and the one that turns it into {@code
 * porthole_analyzer_*} meters of the process's registry ({@link #bindTo}).
 */
public final class AnalyzerStats {

  /** How long a consumer may go without polling before the analyzer is not ready. */
  static final Duration POLL_LIMIT = Duration.ofSeconds(60);

  final AtomicLong recordsProcessed = new AtomicLong();
  final AtomicLong recordsDeadLettered = new AtomicLong();
  final AtomicLong alertsPublished = new AtomicLong();
  final AtomicLong publishRetries = new AtomicLong();
  final AtomicLong rebalances = new AtomicLong();
  final AtomicLong pauses = new AtomicLong();
  final AtomicLong containersEvicted = new AtomicLong();
  final AtomicLong trackedContainers = new AtomicLong();
  final AtomicLong alertVersionsSkipped = new AtomicLong();

  private volatile MeterRegistry registry = new SimpleMeterRegistry();
  private PortholeMetrics portholeMetrics;
  private final List<Meter> meters = new ArrayList<>();

  // Refreshed from the engine every tick (AnalysisEngine.recordsByRule).
  private final Map<Rule, AtomicLong> recordsByRule = new ConcurrentHashMap<>();

  /** Counters by topic, and by rule and severity: looked up per batch and per alert, built once. */
  private final Map<String, Counter> processedByTopic = new ConcurrentHashMap<>();

  private final Map<String, Counter> alertsByRuleAndSeverity = new ConcurrentHashMap<>();
  private Timer latency;
  // The binders of the verticle's consumers' metrics (guarded by this).
  private final List<KafkaClientMetrics> consumerMetrics = new ArrayList<>();
  private volatile Consumer<?, ?> consumer;
  private volatile RecordPublisher publisher;

  /**
   * Reports these counters in {@code metrics} and the checks "consuming" and "producing" in {@code
   * readiness} (named after {@code instance}) until {@link #unbind}.
   */
  public synchronized void bindTo(PortholeMetrics metrics, Readiness readiness, String instance) {
    portholeMetrics = metrics;
    registry = metrics.registry();
    forgetCounters();
    counter("records.dead.lettered", recordsDeadLettered, "records sent to the dead-letter topic");
    counter("publish.retries", publishRetries, "alert or dead-letter sends tried again");
    counter("rebalances", rebalances, "partition assignments received");
    counter(
        "consumer.pauses",
        pauses,
        "times the flows and syscalls partitions paused: analyzer.max.in.flight records not"
            + " analysed yet, or ten times that awaiting acknowledgement");
    counter(
        "alert.versions.skipped",
        alertVersionsSkipped,
        "versions of a growing alert replaced by a newer one while held back"
            + " (analyzer.alert.update.interval)");
    counter(
        "containers.evicted",
        containersEvicted,
        "containers forgotten at the cap on tracked containers");
    meters.add(
        Gauge.builder("porthole.analyzer.containers.tracked", trackedContainers, AtomicLong::get)
            .description("containers with state in the engine")
            .register(registry));
    latency =
        Timer.builder("porthole.analyzer.processing.latency")
            .description(
                "from the collector's send (the record's timestamp) to its analysis, sampled at"
                    + " the first and last record of each batch")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    meters.add(latency);
    readiness.register(
        instance + ": consuming",
        () -> {
          Consumer<?, ?> current = consumer;
          if (current == null) {
            return Readiness.Status.down("consumer not started");
          }
          if (rebalances.get() == 0) {
            return Readiness.Status.down("no partition assignment from the group yet");
          }
          return KafkaProbes.consuming(current, POLL_LIMIT).get();
        });
    readiness.register(
        instance + ": producing",
        () -> {
          RecordPublisher current = publisher;
          return current == null
              ? Readiness.Status.down("publisher not started")
              : current.producing();
        });
  }

  /** Removes the meters and checks {@link #bindTo} added. */
  public synchronized void unbind(PortholeMetrics metrics, Readiness readiness, String instance) {
    readiness.unregister(instance + ": consuming");
    readiness.unregister(instance + ": producing");
    meters.forEach(registry::remove);
    meters.clear();
    forgetCounters();
    closeConsumerMetrics();
    registry = new SimpleMeterRegistry();
    portholeMetrics = null;
  }

  /**
   * Forgets the cached counters (they belong to the registry being left), without removing them
   * from it: in a process registry they are shared by every analyzer instance of the process.
   */
  private void forgetCounters() {
    processedByTopic.clear();
    alertsByRuleAndSeverity.clear();
  }

  /**
   * The verticle's Kafka clients: their metrics (consumer lag per partition) and readiness. The
   * metrics binder reads {@code consumer.metrics()} from the registry's threads while the
   * pipeline's fetch thread polls: safe, as that method (unlike the rest of KafkaConsumer) takes no
   * lock and reads Kafka's own concurrent map of metrics (kafka-clients 3.9, ClassicKafkaConsumer).
   */
  synchronized void clients(
      Consumer<?, ?> groupConsumer,
      Consumer<?, ?> priorityConsumer,
      RecordPublisher recordPublisher) {
    closeConsumerMetrics();
    if (portholeMetrics != null) {
      consumerMetrics.add(portholeMetrics.bindKafkaConsumer(groupConsumer));
      consumerMetrics.add(portholeMetrics.bindKafkaConsumer(priorityConsumer));
      // kafka_producer_* and porthole_analyzer_kafka_send_failures_total; closed by its stop()
      recordPublisher.bindMetrics(portholeMetrics, "analyzer");
    }
    consumer = groupConsumer;
    publisher = recordPublisher;
  }

  private synchronized void closeConsumerMetrics() {
    consumerMetrics.forEach(KafkaClientMetrics::close);
    consumerMetrics.clear();
  }

  /**
   * Counts, per rule that containers can be excluded from, the container records it did not see
   * ({@code porthole_analyzer_rule_records_silenced_total{rule}}) and the alerts it raised about an
   * excluded container that were dropped ({@code porthole_analyzer_rule_alerts_dropped_total
   * {rule}}), read at scrape time. With several analyzer instances in one process the first
   * instance's rules are reported.
   */
  synchronized void rules(List<DetectionRule> rules) {
    for (DetectionRule rule : rules) {
      AtomicLong records = recordsByRule.computeIfAbsent(rule.id(), r -> new AtomicLong());
      meters.add(
          FunctionCounter.builder("porthole.analyzer.rule.records", records, AtomicLong::get)
              .description(
                  "container records (lifecycle events, syscall batches, flows) handed to a rule")
              .tag("rule", rule.id().name())
              .register(registry));
      if (rule instanceof ExcludingRule excluding) {
        String name = excluding.id().name();
        meters.add(
            FunctionCounter.builder(
                    "porthole.analyzer.rule.records.silenced",
                    excluding,
                    ExcludingRule::silencedRecords)
                .description("container records a rule did not see: the container is excluded")
                .tag("rule", name)
                .register(registry));
        meters.add(
            FunctionCounter.builder(
                    "porthole.analyzer.rule.alerts.dropped",
                    excluding,
                    ExcludingRule::droppedAlerts)
                .description("alerts a rule raised about an excluded container, dropped")
                .tag("rule", name)
                .register(registry));
      }
    }
  }

  /**
   * A partition's batch was analysed: counted by topic, its latency sampled at its first record
   * (the oldest: a partition's records come in order) and its last. Timing every record was a third
   * of the analysis thread's time on flows (JFR, docs/benchmarks.md).
   */
  void batchAnalysed(String topic, List<? extends ConsumerRecord<?, ?>> records, Instant now) {
    recordsProcessed.addAndGet(records.size());
    processedByTopic
        .computeIfAbsent(
            topic,
            t ->
                Counter.builder("porthole.analyzer.records.processed")
                    .description("records analysed, by topic")
                    .tag("topic", t)
                    .register(registry))
        .increment(records.size());
    Timer timer = latency;
    if (timer == null) {
      return;
    }
    long nowMs = now.toEpochMilli();
    if (!records.isEmpty()) {
      recordLatency(timer, records.get(0), nowMs);
    }
    if (records.size() > 1) {
      recordLatency(timer, records.get(records.size() - 1), nowMs);
    }
  }

  private static void recordLatency(Timer timer, ConsumerRecord<?, ?> record, long nowMs) {
    if (record.timestamp() > 0) {
      timer.record(Math.max(0, nowMs - record.timestamp()), TimeUnit.MILLISECONDS);
    }
  }

  /** An alert version the broker acknowledged, counted by rule and severity. */
  void alertPublished(Alert alert) {
    alertsPublished.incrementAndGet();
    String rule = alert.getRule().name();
    String severity = alert.getSeverity().name().toLowerCase(Locale.ROOT);
    alertsByRuleAndSeverity
        .computeIfAbsent(
            rule + "/" + severity,
            key ->
                Counter.builder("porthole.analyzer.alerts.raised")
                    .description("alert versions published, by rule and severity")
                    .tag("rule", rule)
                    .tag("severity", severity)
                    .register(registry))
        .increment();
  }

  private void counter(String name, AtomicLong value, String description) {
    meters.add(
        FunctionCounter.builder("porthole.analyzer." + name, value, AtomicLong::get)
            .description(description)
            .register(registry));
  }

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
   * Times the flows and syscalls partitions paused: {@code analyzer.max.in.flight} records fetched
   * and not analysed yet (until a batch of them is taken), or ten times that in batches whose
   * alerts or dead letters awaited acknowledgement.
   */
  public long pauses() {
    return pauses.get();
  }

  /** Containers forgotten because the cap on tracked containers was hit. */
  public long containersEvicted() {
    return containersEvicted.get();
  }

  /** The engine's count of records handed to each rule, as of now (on the analysis thread). */
  void recordsByRule(Map<Rule, Long> counts) {
    counts.forEach(
        (rule, records) -> recordsByRule.computeIfAbsent(rule, r -> new AtomicLong()).set(records));
  }

  /** The registry these stats are bound to ({@link #bindTo}), null before. */
  synchronized PortholeMetrics metrics() {
    return portholeMetrics;
  }

  /** Versions of growing alerts never published: a newer one replaced them while held back. */
  public long alertVersionsSkipped() {
    return alertVersionsSkipped.get();
  }

  public long trackedContainers() {
    return trackedContainers.get();
  }
}
