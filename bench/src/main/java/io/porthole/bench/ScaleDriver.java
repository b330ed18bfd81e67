package io.porthole.bench;

import io.porthole.analyzer.AnalyzerService;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Settings;
import io.porthole.wire.RecordKey;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The flat-cost figure: the analyzer's throughput with 1,000, 10,000 and 50,000 tracked containers
 * (each pre-populated by a lifecycle event, then flows spread over all of them), and the heap one
 * tracked container costs.
 */
final class ScaleDriver {

  private ScaleDriver() {}

  /**
   * {@code analyzer-scale BOOTSTRAP PREFIX EVENTS ITERATIONS COUNT...}: for each COUNT, a topic set
   * holding COUNT container starts and EVENTS flows over those containers; a fresh group per round
   * (the first a warm-up) reads it.
   */
  static void run(Results results, String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    int events = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    List<Integer> counts = new ArrayList<>();
    for (int i = 4; i < args.length; i++) {
      counts.add(Integer.parseInt(args[i]));
    }
    Map<Integer, Double> medians = new HashMap<>();
    Map<Integer, Double> heapAfterGc = new HashMap<>();
    Map<Integer, Long> tracked = new HashMap<>();
    Map<Integer, TopicNames> topics = new HashMap<>();
    Map<Integer, List<Double>> rates = new HashMap<>();
    for (int containers : counts) {
      TopicNames names = TopicNames.withPrefix(prefix + "n" + containers + ".");
      load(bootstrap, names, containers, events);
      topics.put(containers, names);
      rates.put(containers, new ArrayList<>());
    }
    // Round by round across the counts (1k, 10k, 50k, 1k, ...): a busy minute on a shared machine
    // falls on every count alike, not on one count's rounds.
    int rounds = KafkaDrivers.WARMUP_ROUNDS + iterations;
    for (int round = 0; round < rounds; round++) {
      boolean last = round == rounds - 1;
      for (int containers : counts) {
        // A Vert.x instance per round, closed after it: nothing of one round's service outlives it.
        Vertx vertx = Vertx.vertx();
        Round measured = round(vertx, bootstrap, topics.get(containers), containers, events, last);
        vertx.close().await();
        System.out.printf(
            "scale %d containers, round %d: %.0f flows/s (%d flows before the clock started),"
                + " tracked %d%n",
            containers, round, measured.rate, measured.flowsBefore, measured.tracked);
        if (round >= KafkaDrivers.WARMUP_ROUNDS) {
          rates.get(containers).add(measured.rate);
        }
        if (last) {
          heapAfterGc.put(containers, measured.heapAfterGc);
          tracked.put(containers, measured.tracked);
        }
      }
    }
    for (int containers : counts) {
      List<Double> series = rates.get(containers);
      results.measured("scale.events." + containers, "events/s", series);
      List<Double> sorted = new ArrayList<>(series);
      sorted.sort(Double::compare);
      int n = sorted.size();
      medians.put(
          containers,
          n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2);
      results.info(
          "scale.tracked." + containers,
          tracked.get(containers)
              + " containers tracked by the engine at the end of the last round; the running"
              + " service's heap (used after GC, minus the same before it started) "
              + String.format(
                  "%.1f MB, %.0f bytes per tracked container",
                  heapAfterGc.get(containers) / 1e6,
                  heapAfterGc.get(containers) / tracked.get(containers)));
    }
    // The analysis thread's share alone, in this JVM, the services stopped.
    for (int containers : counts) {
      System.gc();
      results.measured(
          "scale.engine_ns." + containers, "ns/flow", EngineAlone.nanosPerFlow(containers));
    }
    results.info("scale.engine_how", EngineAlone.how());
    int most = counts.stream().mapToInt(Integer::intValue).max().orElseThrow();
    for (int containers : counts) {
      results.measured(
          "scale.heap_per_container." + containers,
          "bytes",
          List.of(heapAfterGc.get(containers) / tracked.get(containers)));
    }
    // Given several counts (bench/run gives all three), the spread of their medians.
    if (counts.size() > 1) {
      double max = medians.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      double min = medians.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      results.measured("scale.spread", "%", List.of(100 * (max - min) / max));
    }
    results.info(
        "scale.how",
        "per count of containers: its own topics holding one START lifecycle event (name, image,"
            + " two labels, configuration) per container and "
            + events
            + " flow envelopes spread over the containers (1 in "
            + KafkaDrivers.FAIL_EVERY
            + " refused); AnalyzerService with analyzer.max.containers="
            + maxContainers(most)
            + " and analyzer.commit.interval=100ms, a fresh group (and Vert.x instance) per round"
            + " (the first "
            + KafkaDrivers.WARMUP_ROUNDS
            + " rounds a warm-up), the counts' rounds interleaved in one JVM (1k, 10k, 50k, 1k,"
            + " ...); each round's service is created after"
            + " System.gc() (the last round's containers collected, not left to a full"
            + " collection in a later round's measured part);"
            + " once the lifecycle events are committed (every container tracked), rate = the"
            + " flows committed between the first observed commit covering 10% of them (or"
            + " more, if they were further by then) and the first covering 90% / the time"
            + " between those observations (commits probed every 20 ms)."
            + " Spread = (max - min) / max of the medians. Heap per container: (heap used"
            + " after System.gc() with the service still running after"
            + " its last round - the same just before that service was created) / tracked"
            + " containers (the service's fixed cost included); JVM flags "
            + KafkaDrivers.jvmFlags());
  }

  private record Round(double rate, long flowsBefore, long tracked, double heapAfterGc) {}

  private static int maxContainers(int containers) {
    return Math.max(10_000, containers * 2);
  }

  private static Round round(
      Vertx vertx,
      String bootstrap,
      TopicNames names,
      int containers,
      int events,
      boolean measureHeap)
      throws Exception {
    String group = "bench-scale-" + System.nanoTime();
    Map<String, String> values = new HashMap<>();
    values.put(KafkaSettings.BOOTSTRAP_KEY, bootstrap);
    values.put("topic.prefix", names.prefix());
    values.put("analyzer.group.id", group);
    values.put("analyzer.commit.interval", "100ms");
    values.put("analyzer.tick.interval", "100ms");
    values.put("analyzer.max.containers", Integer.toString(maxContainers(containers)));
    // Heap before this service exists (earlier services stopped): what it adds is its own. Every
    // round starts from a collected heap: the last round's containers (at 50,000, ~90 MB promoted
    // to the old generation) are garbage only a full collection frees, and left there they fell due
    // in a later round's measured part (two full collections of ~170 ms at 50,000 in one run, GC
    // log; rounds of ~2 s), a cost of the bench's fresh service per round, not of the containers.
    double heapBefore = heapUsedAfterGc();
    AnalyzerService service = AnalyzerService.create(vertx, Settings.of(values));
    service.start().await();
    String flows = names.name(Topic.FLOWS);
    String lifecycle = names.name(Topic.CONTAINER_EVENTS);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    try (Admin admin = KafkaDrivers.admin(bootstrap)) {
      long[] committed = committed(admin, group, lifecycle, flows);
      while (committed[0] < containers && System.nanoTime() < deadline) {
        LockSupport.parkNanos(5_000_000);
        committed = committed(admin, group, lifecycle, flows);
      }
      long start = System.nanoTime();
      long flowsBefore = committed[1];
      // Every container tracked: from here the flows' commits are timed through the middle of
      // the run (CommitProgress), from 10% of them or wherever they are now if further.
      CommitProgress progress =
          new CommitProgress(events, KafkaDrivers.MEASURED_FROM, KafkaDrivers.MEASURED_TO);
      progress.observe(start, flowsBefore);
      while (committed[1] < events && System.nanoTime() < deadline) {
        LockSupport.parkNanos(KafkaDrivers.COMMIT_PROBE_NANOS);
        committed = committed(admin, group, lifecycle, flows);
        progress.observe(System.nanoTime(), committed[1]);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (committed[1] < events) {
        throw new IllegalStateException(
            "the analyzer committed only " + committed[1] + " of " + events + " in 5 minutes");
      }
      double rate = progress.measured() ? progress.rate() : (events - flowsBefore) / seconds;
      // The tracked count is refreshed every tick.
      Thread.sleep(300);
      long tracked = service.stats().trackedContainers();
      double heap = measureHeap ? heapUsedAfterGc() - heapBefore : Double.NaN;
      service.stop().await();
      System.out.printf(
          "threads alive after the service stopped: %s%n",
          Thread.getAllStackTraces().keySet().stream()
              .map(Thread::getName)
              .filter(name -> name.contains("porthole") || name.contains("kafka"))
              .sorted()
              .toList());
      return new Round(rate, flowsBefore, tracked, heap);
    }
  }

  private static long[] committed(Admin admin, String group, String lifecycle, String flows)
      throws Exception {
    long[] sums = new long[2];
    for (Map.Entry<TopicPartition, OffsetAndMetadata> entry :
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet()) {
      if (entry.getValue() == null) {
        continue;
      }
      if (entry.getKey().topic().equals(lifecycle)) {
        sums[0] += entry.getValue().offset();
      } else if (entry.getKey().topic().equals(flows)) {
        sums[1] += entry.getValue().offset();
      }
    }
    return sums;
  }

  static double heapUsedAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static void load(String bootstrap, TopicNames names, int containers, int events)
      throws Exception {
    KafkaDrivers.createAnalyzerTopics(bootstrap, names);
    Instant now = Instant.now();
    try (KafkaProducer<String, byte[]> producer = KafkaDrivers.producer(bootstrap)) {
      for (int c = 0; c < containers; c++) {
        send(producer, names.name(Topic.CONTAINER_EVENTS), Events.start(c, now));
      }
      for (int i = 0; i < events; i++) {
        EventEnvelope flow =
            Events.flow(i, containers, KafkaDrivers.FAIL_EVERY, now.plusNanos(i * 1000L));
        send(producer, names.name(Topic.FLOWS), flow);
      }
      producer.flush();
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, String topic, EventEnvelope e) {
    producer.send(
        new ProducerRecord<>(
            topic, new RecordKey(e.getHostId(), e.getContainerId()).asString(), e.toByteArray()));
  }
}
