package io.porthole.bench;

import io.porthole.analyzer.AnalyzerService;
import io.porthole.collector.CollectorStats;
import io.porthole.collector.publish.KafkaEventSink;
import io.porthole.proto.Alert;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.Rule;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The drivers of the publishing, analyzer, latency and memory figures (a broker must run). */
final class KafkaDrivers {

  /**
   * Rounds of the analyzer figures run before the measured ones: each round's service is new, the
   * JVM is not; with one, C2 still compiled the decode and analysis paths through the first
   * measured round (~70% of the later ones), and rounds of 1M flows kept getting faster through the
   * fifth (0.59, 0.79, 0.95, 0.96, 1.13M flows/s in one run).
   */
  static final int WARMUP_ROUNDS = 4;

  /** The analyzer figures' clock runs from this share of the records committed ... */
  static final double MEASURED_FROM = 0.1;

  /** ... to this one (CommitProgress). */
  static final double MEASURED_TO = 0.9;

  /**
   * How often the drivers read the analyzer group's committed offsets (each read is an admin
   * request the broker answers, on the same two cores: at 10 ms the probe took ~5% of a core).
   */
  static final long COMMIT_PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  static final int PARTITIONS = 3;
  static final int CONTAINERS = 1000;
  static final int FAIL_EVERY = 100;
  static final int PROBE_EVERY_MS = 20;

  /** Seconds at the latency figure's second load level before its measured windows. */
  static final int QUARTER_SETTLE_SECONDS = 5;

  private KafkaDrivers() {}

  /**
   * {@code publish BOOTSTRAP PREFIX EVENTS ITERATIONS PERF_TOPIC}: the collector's publishing path,
   * one warm-up round first; also creates the ceiling's topic with the same partitions.
   */
  static void publish(Results results, String[] args) throws Exception {
    String bootstrap = args[0];
    TopicNames names = TopicNames.withPrefix(args[1]);
    int events = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    createTopics(bootstrap, names, Topic.FLOWS);
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(args[4], PARTITIONS, (short) 1))).all().get();
    }
    List<EventEnvelope> pool = new ArrayList<>();
    long bytes = 0;
    Instant now = Instant.now();
    for (int i = 0; i < 4096; i++) {
      EventEnvelope envelope = Events.flow(i, CONTAINERS, FAIL_EVERY, now);
      pool.add(envelope);
      bytes += envelope.getSerializedSize();
    }
    int recordBytes = (int) Math.round((double) bytes / pool.size());
    results.info("publish.record_bytes", recordBytes);
    Files.writeString(
        Path.of(System.getProperty("bench.record.size.file")), Integer.toString(recordBytes));

    Vertx vertx = Vertx.vertx();
    int buffer = 10_000;
    RecordPublisher publisher =
        RecordPublisher.create(
            vertx, KafkaSettings.of(bootstrap), "bench-collector", names, buffer);
    publisher.start().await();
    CollectorStats stats = new CollectorStats();
    KafkaEventSink sink = new KafkaEventSink(publisher, stats);
    results.info(
        "publish.settings",
        "KafkaSettings.producerConfig defaults (idempotent, acks=all, lz4, linger.ms=5,"
            + " batch.size=262144, buffer.memory=32 MiB), RecordPublisher buffer "
            + buffer
            + " records (the collector's default),"
            + " flow-record envelopes keyed hostId/containerId, "
            + PARTITIONS
            + " partitions");
    List<Double> rates = new ArrayList<>();
    for (int round = 0; round <= iterations; round++) {
      long done0 = completed(stats);
      long start = System.nanoTime();
      for (int i = 0; i < events; i++) {
        // Stay under the publisher's buffer: a drop would be the publisher protecting the
        // collector, not throughput.
        while (i - (completed(stats) - done0) >= buffer * 8 / 10) {
          LockSupport.parkNanos(20_000);
        }
        sink.emit(Topic.FLOWS, pool.get(i & 4095));
      }
      while (completed(stats) - done0 < events) {
        LockSupport.parkNanos(100_000);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (round > 0) {
        rates.add(events / seconds);
      }
      System.out.printf(
          "publish round %d: %.0f events/s (published %d, dropped %d, failed %d)%n",
          round,
          events / seconds,
          stats.eventsPublished.get(),
          stats.eventsDroppedBackpressure(),
          stats.kafkaSendFailures.get());
    }
    results.measured("publish.collector", "events/s", rates);
    results.info(
        "publish.outcome",
        "acknowledged "
            + stats.eventsPublished.get()
            + ", dropped "
            + stats.eventsDroppedBackpressure()
            + ", failed "
            + stats.kafkaSendFailures.get());
    publisher.stop().await();
    vertx.close().await();
    results.measured("memory.collector", "MB", List.of(peakRssMb()));
    results.info(
        "memory.collector.how",
        "VmHWM of the JVM that ran the collector's publishing path (RecordPublisher +"
            + " KafkaEventSink + vertx-kafka-client) through the publishing figure; JVM flags "
            + jvmFlags());
  }

  private static long completed(CollectorStats stats) {
    return stats.eventsPublished.get()
        + stats.eventsDroppedBackpressure()
        + stats.kafkaSendFailures.get();
  }

  /**
   * {@code analyzer-load BOOTSTRAP PREFIX EVENTS}: fills the flows topic for the analyzer and its
   * ceiling.
   */
  static void analyzerLoad(Results results, String[] args) throws Exception {
    String bootstrap = args[0];
    TopicNames names = TopicNames.withPrefix(args[1]);
    int events = Integer.parseInt(args[2]);
    createAnalyzerTopics(bootstrap, names);
    Instant now = Instant.now();
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      for (int i = 0; i < events; i++) {
        EventEnvelope envelope = Events.flow(i, CONTAINERS, FAIL_EVERY, now.plusNanos(i * 1000L));
        producer.send(
            new ProducerRecord<>(names.name(Topic.FLOWS), key(envelope), envelope.toByteArray()));
      }
      producer.flush();
    }
    results.info(
        "analyzer.load",
        events
            + " flow-record envelopes of "
            + CONTAINERS
            + " containers on "
            + names.name(Topic.FLOWS)
            + " ("
            + PARTITIONS
            + " partitions); 1 in "
            + FAIL_EVERY
            + " is a refused connection the connection-failure rule correlates into alerts");
  }

  /**
   * {@code analyzer-run BOOTSTRAP PREFIX EVENTS ITERATIONS}: a fresh group per round consumes the
   * loaded topic.
   */
  static void analyzerRun(Results results, String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    TopicNames names = TopicNames.withPrefix(prefix);
    int events = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    String flows = names.name(Topic.FLOWS);
    List<Double> rates = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try (Admin admin = admin(bootstrap)) {
      for (int round = 0; round < WARMUP_ROUNDS + iterations; round++) {
        String group = "bench-analyzer-" + System.nanoTime();
        Map<String, String> values = new HashMap<>();
        values.put(KafkaSettings.BOOTSTRAP_KEY, bootstrap);
        values.put("topic.prefix", prefix);
        values.put("analyzer.group.id", group);
        values.put("analyzer.commit.interval", "100ms");
        values.putAll(benchSettings());
        AnalyzerService service = AnalyzerService.create(vertx, Settings.of(values));
        service.start().await();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (service.stats().recordsProcessed() == 0 && System.nanoTime() < deadline) {
          LockSupport.parkNanos(200_000);
        }
        long start = System.nanoTime();
        long committed = 0;
        CommitProgress progress = new CommitProgress(events, MEASURED_FROM, MEASURED_TO);
        while (committed < events && System.nanoTime() < deadline) {
          LockSupport.parkNanos(COMMIT_PROBE_NANOS);
          committed = 0;
          for (Map.Entry<TopicPartition, OffsetAndMetadata> entry :
              admin
                  .listConsumerGroupOffsets(group)
                  .partitionsToOffsetAndMetadata()
                  .get()
                  .entrySet()) {
            if (entry.getKey().topic().equals(flows) && entry.getValue() != null) {
              committed += entry.getValue().offset();
            }
          }
          progress.observe(System.nanoTime(), committed);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (committed < events) {
          throw new IllegalStateException(
              "the analyzer committed only " + committed + " of " + events + " in 5 minutes");
        }
        // A round too fast for two observations in its middle counts as a whole.
        double rate = progress.measured() ? progress.rate() : events / seconds;
        System.out.printf(
            "analyzer round %d: %.0f events/s from %.0f%% to %.0f%% committed (%d records);"
                + " all %d committed in %.2f s from the first record (%.0f events/s), alerts %d%n",
            round,
            rate,
            MEASURED_FROM * 100,
            MEASURED_TO * 100,
            progress.records(),
            committed,
            seconds,
            events / seconds,
            service.stats().alertsPublished());
        if (round >= WARMUP_ROUNDS) {
          rates.add(rate);
        }
        results.info(
            "analyzer.round" + round,
            String.format(
                "%.0f events/s, alerts published %d, dead letters %d",
                rate, service.stats().alertsPublished(), service.stats().recordsDeadLettered()));
        service.stop().await();
      }
    }
    vertx.close().await();
    results.measured("analyzer.events", "events/s", rates);
    results.info(
        "analyzer.how",
        "AnalyzerService (all rules, default settings but analyzer.commit.interval=100ms),"
            + " a fresh consumer group per round, every record committed in each; rate = the"
            + " records committed between the first observed commit covering 10% of them and"
            + " the first covering 90% / the time between those observations (commits probed"
            + " every 20 ms); the first "
            + WARMUP_ROUNDS
            + " rounds are a warm-up (the JIT still compiled the hot path through the first"
            + " million records)");
    results.measured("memory.analyzer", "MB", List.of(peakRssMb()));
    results.info(
        "memory.analyzer.how",
        "VmHWM of the JVM that ran the AnalyzerService through the analyzer figure;"
            + " JVM flags "
            + jvmFlags());
  }

  /**
   * The ten slowest measured probes: when each was sent (s after the measured start) and its
   * stages, to tell one stall of the whole machine (probes close together, every stage long) from a
   * stage that is slow on its own.
   */
  private static String slowestProbes(List<long[]> latencies, long measuredFrom, long measuredUs) {
    List<long[]> measured = new ArrayList<>();
    synchronized (latencies) {
      for (long[] l : latencies) {
        if (l[0] >= measuredFrom && l[0] - measuredFrom < measuredUs) {
          measured.add(l);
        }
      }
    }
    measured.sort((a, b) -> Long.compare(b[1], a[1]));
    StringJoiner out =
        new StringJoiner(
            "; ",
            "sent at (s after the measured start): total ms (die appended / alert published /"
                + " alert appended, ms after the previous stage): ",
            "");
    for (long[] l : measured.subList(0, Math.min(10, measured.size()))) {
      long alertUs = l[0] + l[1];
      out.add(
          String.format(
              Locale.ROOT,
              "%.2f: %.1f (%s / %.1f)",
              (l[0] - measuredFrom) / 1e6,
              l[1] / 1e3,
              l[2] < 0
                  ? "die not read first"
                  : String.format(
                      Locale.ROOT, "%.1f / %.1f", (l[2] - l[0]) / 1e3, (l[3] - l[2]) / 1e3),
              (alertUs - l[3]) / 1e3));
    }
    return out.toString();
  }

  /**
   * {@code latency BOOTSTRAP PREFIX RATE SECONDS WINDOWS [WARMUP_SECONDS [ANALYZER_PID]]}: flows at
   * RATE/s plus an OOM death every 20 ms, for WARMUP_SECONDS (not counted) and then SECONDS split
   * into WINDOWS; each death's latency runs from its envelope's collector time to the broker's
   * timestamp of its alert record (the alerts topic keeps LogAppendTime), recorded in
   * HdrHistograms. With ANALYZER_PID, the CPU the analyzer's process used in the measured windows
   * is reported.
   */
  static void latency(Results results, String[] args) throws Exception {
    String bootstrap = args[0];
    TopicNames names = TopicNames.withPrefix(args[1]);
    int rate = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    int windows = Integer.parseInt(args[4]);
    // The analyzer's JVM starts cold (the capacity figure, too, leaves out its warm-up round): the
    // same load runs for a warm-up before the windows, so they measure the running analyzer, not
    // its JIT compiling and the backlog that builds meanwhile.
    int warmupSeconds = args.length > 5 ? Integer.parseInt(args[5]) : Math.min(2, seconds / 4);
    // Who used the machine's cores during the measured windows: the analyzer's JVM (ANALYZER_PID,
    // the process bench/run started it in, with its descendants), this driver (the load and the
    // alert reader) and the rest (the broker).
    MachineCpu cpu = new MachineCpu();
    if (args.length > 6) {
      ProcessHandle.of(Long.parseLong(args[6])).ifPresent(p -> cpu.watch("the analyzer", p));
    }
    cpu.watch("this load driver (flows, dies, alert reader)", ProcessHandle.current());
    createAnalyzerTopics(bootstrap, names);
    // The analyzer runs in its own JVM (analyzer-serve), as it did for the capacity figure.

    // container id -> the die's collector time, in microseconds since the epoch
    Map<String, Long> probes = new ConcurrentHashMap<>();
    // container id -> the broker's append time of its die record, in microseconds
    Map<String, Long> dieAppended = new ConcurrentHashMap<>();
    // [collector time us, latency us, die appended us, alert published us] of every probe answered
    List<long[]> latencies = Collections.synchronizedList(new ArrayList<>());
    List<String> notLogAppendTime = Collections.synchronizedList(new ArrayList<>());
    KafkaConsumer<String, byte[]> alerts =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                bootstrap,
                "group.id",
                "bench-latency-alerts-" + System.nanoTime(),
                "auto.offset.reset",
                "latest",
                "fetch.max.wait.ms",
                "5"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    // The dies too (their topic keeps LogAppendTime as well): the stages of each probe's latency.
    alerts.subscribe(List.of(names.name(Topic.ALERTS), names.name(Topic.CONTAINER_EVENTS)));
    while (alerts.assignment().isEmpty()) {
      alerts.poll(Duration.ofMillis(100));
    }
    Thread reader =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                ConsumerRecords<String, byte[]> polled = alerts.poll(Duration.ofMillis(50));
                // The dies of a poll first: a die and its alert fetched together both count.
                for (ConsumerRecord<String, byte[]> record :
                    polled.records(names.name(Topic.CONTAINER_EVENTS))) {
                  try {
                    String container = EventEnvelope.parseFrom(record.value()).getContainerId();
                    if (probes.containsKey(container)) {
                      dieAppended.put(container, record.timestamp() * 1000L);
                    }
                  } catch (Exception e) {
                    System.out.println("undecodable die: " + e);
                  }
                }
                for (ConsumerRecord<String, byte[]> record :
                    polled.records(names.name(Topic.ALERTS))) {
                  try {
                    Alert alert = Alert.parseFrom(record.value());
                    Long sent =
                        alert.getRule() == Rule.OOM_KILLED
                            ? probes.remove(alert.getContainerId())
                            : null;
                    if (sent != null) {
                      if (record.timestampType() != TimestampType.LOG_APPEND_TIME) {
                        notLogAppendTime.add(record.timestampType().toString());
                      }
                      long brokerUs = record.timestamp() * 1000L;
                      Long appended = dieAppended.remove(alert.getContainerId());
                      latencies.add(
                          new long[] {
                            sent,
                            Math.max(0, brokerUs - sent),
                            appended == null ? -1 : appended,
                            epochMicros(
                                Instant.ofEpochSecond(
                                    alert.getPublishedAt().getSeconds(),
                                    alert.getPublishedAt().getNanos()))
                          });
                    }
                  } catch (Exception e) {
                    System.out.println("undecodable alert: " + e);
                  }
                }
              }
            },
            "bench-alert-reader");
    reader.start();

    // Pre-encoded flows: this JVM only has to keep the rate, the analyzer's JVM does the work
    // measured.
    String flows = names.name(Topic.FLOWS);
    byte[][] pool = new byte[8192][];
    String[] poolKeys = new String[pool.length];
    Instant poolTime = Instant.now();
    for (int i = 0; i < pool.length; i++) {
      EventEnvelope flow = Events.flow(i, CONTAINERS, FAIL_EVERY, poolTime);
      pool[i] = flow.toByteArray();
      poolKeys[i] = key(flow);
    }
    long probeNanos = TimeUnit.MILLISECONDS.toNanos(PROBE_EVERY_MS);
    // Two load levels, one after the other: the figure's (RATE: half the measured capacity), then
    // half of it, after a settling time, for as long. The second shows the analyzer's latency on a
    // machine with CPU to spare: at RATE one machine also runs this load and the broker.
    long warmupNanos = TimeUnit.SECONDS.toNanos(warmupSeconds);
    long measuredNanos = TimeUnit.SECONDS.toNanos(seconds);
    long settleNanos = TimeUnit.SECONDS.toNanos(QUARTER_SETTLE_SECONDS);
    int quarterRate = rate / 2;
    long startUs;
    MachineCpu.Snapshot[] cpuAt = new MachineCpu.Snapshot[4];
    long[] sentAt = new long[4];
    long sent = 0;
    long probe = 0;
    // The flows stand for the fleet's collectors, the dies for the collector of the dying
    // container's host: two producers, both with the collector's settings, so that a die does not
    // queue behind the fleet's flows in one producer (no single host sends ~500k flows/s).
    try (KafkaProducer<String, byte[]> producer =
            collectorProducer(bootstrap, "bench-latency-fleet");
        KafkaProducer<String, byte[]> dieProducer =
            collectorProducer(bootstrap, "bench-latency-collector")) {
      long start = System.nanoTime();
      startUs = epochMicros(Instant.now());
      // [measured start, measured end] of each level
      long[] marks = {
        start + warmupNanos,
        start + warmupNanos + measuredNanos,
        start + warmupNanos + measuredNanos + settleNanos,
        start + warmupNanos + 2 * measuredNanos + settleNanos
      };
      long quarterFrom = marks[1];
      long end = marks[3];
      long nextProbe = start;
      int mark = 0;
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        while (mark < marks.length && now >= marks[mark]) {
          cpuAt[mark] = cpu.snapshot();
          sentAt[mark] = sent;
          mark++;
        }
        // Bounded per pass so that the probes keep their rhythm even if the producer falls behind.
        // From what was sent when the warm-up, the measured windows or the second level began: a
        // shortfall of one (the warm-up's, while the analyzer's JIT compiles) is not made up in
        // the next, whose load is what was asked.
        long target =
            switch (mark) {
              case 0 -> (now - start) * rate / 1_000_000_000L;
              case 1 -> sentAt[0] + (now - marks[0]) * rate / 1_000_000_000L;
              default -> sentAt[1] + (now - quarterFrom) * quarterRate / 1_000_000_000L;
            };
        long due = Math.min(target, sent + Math.max(1, rate / 200));
        for (; sent < due; sent++) {
          int slot = (int) (sent % pool.length);
          producer.send(new ProducerRecord<>(flows, poolKeys[slot], pool[slot]));
        }
        if (now >= nextProbe) {
          String container = String.format("%064x", 0xDEAD000000000L + probe++);
          Instant collected = Instant.now();
          EventEnvelope die = Events.oomDie(container, "bench-oom-" + probe, collected);
          probes.put(container, epochMicros(collected));
          dieProducer.send(
              new ProducerRecord<>(
                  names.name(Topic.CONTAINER_EVENTS), key(die), die.toByteArray()));
          nextProbe += probeNanos;
        }
        if (sent >= target) {
          LockSupport.parkNanos(200_000);
        }
      }
      if (mark < marks.length) {
        cpuAt[mark] = cpu.snapshot();
        sentAt[mark] = sent;
      }
    }
    long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!probes.isEmpty() && System.nanoTime() < wait) {
      LockSupport.parkNanos(10_000_000);
    }
    reader.interrupt();
    reader.join(2000);
    int missing = probes.size();
    int total = warmupSeconds + 2 * seconds + QUARTER_SETTLE_SECONDS;
    results.info(
        "latency.load",
        String.format(
            Locale.ROOT,
            "%d flows sent in %d s and %d OOM deaths (one per %d ms): %d s of warm-up, then the"
                + " measured %d s at %d/s asked (%.0f/s achieved), %d s at %d/s to settle, the"
                + " measured %d s at %d/s asked (%.0f/s achieved)",
            sent,
            total,
            probe,
            PROBE_EVERY_MS,
            warmupSeconds,
            seconds,
            rate,
            (sentAt[1] - sentAt[0]) / (double) seconds,
            QUARTER_SETTLE_SECONDS,
            quarterRate,
            seconds,
            quarterRate,
            (sentAt[3] - sentAt[2]) / (double) seconds));
    long measuredFrom = startUs + TimeUnit.NANOSECONDS.toMicros(warmupNanos);
    long quarterMeasuredFrom =
        startUs + TimeUnit.NANOSECONDS.toMicros(warmupNanos + measuredNanos + settleNanos);
    // A probe without an alert counts as the longest wait there was room for: not left out.
    summarize(results, "latency", latencies, measuredFrom, seconds, windows, missing);
    summarize(results, "latency_quarter", latencies, quarterMeasuredFrom, seconds, windows, 0);
    int cores = Runtime.getRuntime().availableProcessors();
    results.info(
        "latency.machine_cpu",
        "the measured windows: " + MachineCpu.describe(cpuAt[0], cpuAt[1], cores));
    results.info(
        "latency_quarter.machine_cpu",
        "the measured windows: " + MachineCpu.describe(cpuAt[2], cpuAt[3], cores));
    results.info(
        "latency.how",
        String.format(
            "analyzer (its own JVM) fed %d flows/s (half of the analyzer figure's median) plus one"
                + " OOM death every %d ms (flows and dies from two producers with the collector's"
                + " settings: the fleet's and the dying container's collector); latency = the die"
                + " envelope's collector_time (set when the load JVM sends it) to the broker"
                + " timestamp of its OOM_KILLED alert record"
                + " (the alerts topic is created with message.timestamp.type=LogAppendTime; one"
                + " machine, one clock, millisecond resolution); %d windows of %d s (%d s measured)"
                + " after a warm-up of %d s at the same load (the analyzer's JVM starts cold);"
                + " p50/p99/p99.9/max from one HdrHistogram (org.hdrhistogram 2.2.2, microseconds,"
                + " 3 significant digits) over all measured windows; %d of %d probes got no alert"
                + " (counted as 5 s, in the first level's figures)%s. latency_quarter: the same"
                + " analyzer, probes and windows, at %d flows/s (a quarter of the capacity), after"
                + " %d s at that rate to settle",
            rate,
            PROBE_EVERY_MS,
            windows,
            seconds / windows,
            seconds,
            warmupSeconds,
            missing,
            latencies.size() + missing,
            notLogAppendTime.isEmpty()
                ? ""
                : "; WARNING: " + notLogAppendTime.size() + " alert records not LogAppendTime",
            quarterRate,
            QUARTER_SETTLE_SECONDS));
    alerts.close();
  }

  /**
   * The figures {@code KEY.p50/p99/p999/max} and {@code KEY.windows/slowest/stages} of the probes
   * sent in {@code [fromUs, fromUs + seconds)}; {@code missing} probes without an alert count as 5
   * s each.
   */
  private static void summarize(
      Results results,
      String key,
      List<long[]> latencies,
      long fromUs,
      int seconds,
      int windows,
      int missing) {
    long windowUs = TimeUnit.SECONDS.toMicros(seconds) / windows;
    Histogram all = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    // The stages: collector time -> die appended -> alert published -> alert appended.
    Histogram toDie = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    Histogram toPublished = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    Histogram toAlert = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    int withoutDieTime = 0;
    List<Histogram> perWindow = new ArrayList<>();
    for (int w = 0; w < windows; w++) {
      perWindow.add(new Histogram(TimeUnit.MINUTES.toMicros(10), 3));
    }
    synchronized (latencies) {
      for (long[] l : latencies) {
        int w = (int) ((l[0] - fromUs) / windowUs);
        if (l[0] >= fromUs && w < windows) {
          long us = Math.min(l[1], all.getHighestTrackableValue());
          all.recordValue(us);
          perWindow.get(w).recordValue(us);
          long alertUs = l[0] + l[1];
          if (l[2] >= 0) {
            toDie.recordValue(Math.max(0, Math.min(l[2] - l[0], us)));
            toPublished.recordValue(Math.max(0, Math.min(l[3] - l[2], us)));
          } else {
            withoutDieTime++;
          }
          toAlert.recordValue(Math.max(0, Math.min(alertUs - l[3], us)));
        }
      }
    }
    for (int i = 0; i < missing; i++) {
      all.recordValue(TimeUnit.SECONDS.toMicros(5));
    }
    if (all.getTotalCount() > 0) {
      results.measured(key + ".p50", "ms", List.of(all.getValueAtPercentile(50) / 1e3));
      results.measured(key + ".p99", "ms", List.of(all.getValueAtPercentile(99) / 1e3));
      results.measured(key + ".p999", "ms", List.of(all.getValueAtPercentile(99.9) / 1e3));
      results.measured(key + ".max", "ms", List.of(all.getMaxValue() / 1e3));
    } else {
      results.notMeasured(key + ".p99", "no probe was answered in the measured windows");
    }
    StringBuilder byWindow = new StringBuilder();
    for (int w = 0; w < windows; w++) {
      Histogram h = perWindow.get(w);
      byWindow.append(
          String.format(
              "%swindow %d: %d probes, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
              w == 0 ? "" : "; ",
              w + 1,
              h.getTotalCount(),
              h.getValueAtPercentile(50) / 1e3,
              h.getValueAtPercentile(99) / 1e3,
              h.getMaxValue() / 1e3));
    }
    results.info(key + ".windows", byWindow.toString());
    results.info(key + ".slowest", slowestProbes(latencies, fromUs, windows * windowUs));
    results.info(
        key + ".stages",
        String.format(
            "p50 / p99 of each stage over the measured probes (broker times in milliseconds):"
                + " collector time -> die record appended %s; -> alert published by the analyzer"
                + " (its publishedAt) %s; -> alert record appended %s (%d probes whose die"
                + " was not read before its alert left out of the first two)",
            p50p99(toDie), p50p99(toPublished), p50p99(toAlert), withoutDieTime));
  }

  private static String p50p99(Histogram h) {
    return String.format(
        "%.1f / %.1f ms", h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3);
  }

  private static long epochMicros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
  }

  /**
   * {@code analyzer-serve BOOTSTRAP PREFIX MAX_SECONDS READY_FILE STOP_FILE}: an AnalyzerService on
   * the latency topics; writes READY_FILE once its partitions are assigned, stops once STOP_FILE
   * exists (or after MAX_SECONDS).
   */
  static void analyzerServe(Results results, String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    int seconds = Integer.parseInt(args[2]);
    createAnalyzerTopics(bootstrap, TopicNames.withPrefix(prefix));
    Vertx vertx = Vertx.vertx();
    Map<String, String> values = new HashMap<>();
    values.put(KafkaSettings.BOOTSTRAP_KEY, bootstrap);
    values.put("topic.prefix", prefix);
    values.put("analyzer.group.id", "bench-latency-" + System.nanoTime());
    values.putAll(benchSettings());
    AnalyzerService service = AnalyzerService.create(vertx, Settings.of(values));
    service.start().await();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (service.stats().rebalances() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Files.writeString(Path.of(args[3]), "ready");
    // Serve until the latency driver is done (it may start late on a loaded machine): stopping on a
    // fixed clock would cut off the last probes and count them as alerts that never came.
    Path stop = Path.of(args[4]);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!Files.exists(stop) && System.nanoTime() < until) {
      Thread.sleep(100);
    }
    System.out.printf(
        "analyzer-serve: processed %d, alerts %d%n",
        service.stats().recordsProcessed(), service.stats().alertsPublished());
    results.info(
        "memory.analyzer_serving",
        String.format(
            "%.1f MB: VmHWM of the latency figure's analyzer JVM (one AnalyzerService at 50%% of"
                + " the capacity); JVM flags %s",
            peakRssMb(), jvmFlags()));
    service.stop().await();
    vertx.close().await();
  }

  private static String key(EventEnvelope envelope) {
    return new RecordKey(envelope.getHostId(), envelope.getContainerId()).asString();
  }

  /**
   * Settings handed to the bench's analyzers: {@code -Dbench.setting.NAME=VALUE} gives NAME the
   * VALUE (docs/benchmarks.md, profiling a figure).
   */
  private static Map<String, String> benchSettings() {
    String prefix = "bench.setting.";
    Map<String, String> settings = new HashMap<>();
    for (String name : System.getProperties().stringPropertyNames()) {
      if (name.startsWith(prefix)) {
        settings.put(name.substring(prefix.length()), System.getProperty(name));
      }
    }
    return settings;
  }

  /** A producer with the collector's settings (KafkaSettings.producerConfig). */
  private static KafkaProducer<String, byte[]> collectorProducer(String bootstrap, String client) {
    return new KafkaProducer<>(
        new HashMap<>(KafkaSettings.of(bootstrap).producerConfig(client))
            .entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> (Object) e.getValue())));
  }

  /** The load producers' settings: throughput first (acks 1, large lz4 batches). */
  static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("acks", "1");
    props.put("linger.ms", "20");
    props.put("batch.size", "524288");
    props.put("compression.type", "lz4");
    props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    return new KafkaProducer<>(props);
  }

  static Admin admin(String bootstrap) {
    return Admin.create(new HashMap<>(KafkaSettings.of(bootstrap).adminConfig("bench-admin")));
  }

  /** Every topic an analyzer reads or writes. */
  static void createAnalyzerTopics(String bootstrap, TopicNames names) throws Exception {
    createTopics(
        bootstrap,
        names,
        Topic.CONTAINER_EVENTS,
        Topic.FLOWS,
        Topic.SYSCALLS,
        Topic.HEARTBEATS,
        Topic.ALERTS,
        Topic.DEAD_LETTERS);
  }

  static void createTopics(String bootstrap, TopicNames names, Topic... topics) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      var existing = admin.listTopics().names().get();
      List<NewTopic> create = new ArrayList<>();
      for (Topic topic : topics) {
        if (!existing.contains(names.name(topic))) {
          NewTopic newTopic = new NewTopic(names.name(topic), PARTITIONS, (short) 1);
          if (topic == Topic.ALERTS || topic == Topic.CONTAINER_EVENTS) {
            // The latency figure reads the broker's own time of each alert and die record.
            newTopic.configs(Map.of("message.timestamp.type", "LogAppendTime"));
          }
          create.add(newTopic);
        }
      }
      if (!create.isEmpty()) {
        admin.createTopics(create).all().get();
      }
    }
  }

  static double peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
      }
    }
    throw new IllegalStateException("no VmHWM in /proc/self/status");
  }

  static String jvmFlags() {
    return String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
  }
}
