package io.porthole.analyzer.kafka;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.engine.AnalysisEngine;
import io.porthole.analyzer.engine.InvalidEventException;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.kafka.DeadLetterWriter;
import io.porthole.runtime.kafka.RecordConsumer;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.ProtobufDeserializer;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.UndecodableRecordException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyzer's Kafka adapter, on one event loop: a {@link RecordConsumer} hands it each
 * partition's fetched records as a batch; it feeds them to the {@link AnalysisEngine}, publishes
 * the alerts (control records), and completes the batch once its alerts and dead letters are
 * acknowledged by the broker, so that the consumer commits past it only then.
 *
 * <p>After every assignment the engine's state is rebuilt: each assigned partition is re-read from
 * {@code now - replayWindow} (or from its committed offset if that is older), so an episode that
 * began before a restart or rebalance is still recognised. Alerts raised while re-reading are
 * published again with the same ids; consumers drop the duplicates.
 */
public final class AnalyzerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyzerVerticle.class);
  private static final long RETRY_DELAY_MS = 1000;
  private static final Duration STOP_DRAIN = Duration.ofSeconds(10);

  private final AnalyzerConfig config;
  private final AnalyzerStats stats;
  private final ProtobufDeserializer<EventEnvelope> events = ProtobufDeserializer.events();
  private final ProtobufDeserializer<CollectorHeartbeat> heartbeats = ProtobufDeserializer.heartbeats();
  private AnalysisEngine engine;
  private RecordPublisher publisher;
  private DeadLetterWriter deadLetters;
  // Keys stay bytes: the analyzer reads the partition, never the key, except to dead-letter a record.
  private RecordConsumer<byte[], byte[]> consumer;
  // Every instance reads every heartbeat (no group) to know each host's kernel; host rules run
  // only on the instance that owns the heartbeat partition in the group.
  private HostInfoReader hostInfo;
  private String consumerName;
  private long tickTimer = -1;
  // Sends are retried until acknowledged, except once stop's drain is over or after an abort.
  private volatile long retryUntilNanos = Long.MAX_VALUE;
  private boolean aborted;

  public AnalyzerVerticle(AnalyzerConfig config, AnalyzerStats stats) {
    this.config = Objects.requireNonNull(config, "config");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  @Override
  public Future<?> start() {
    consumerName = config.clientId() + "-" + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 8);
    engine = new AnalysisEngine(config.limits(), config.rules().enabledRules());
    publisher = RecordPublisher.create(vertx, config.kafka(), consumerName, config.topicNames(), config.publishBuffer());
    deadLetters = new DeadLetterWriter(publisher, consumerName);
    Map<String, String> consumerConfig = new HashMap<>(config.kafka().consumerConfig(consumerName, config.groupId()));
    // Co-partitioning only helps if partition N of every event topic goes to the same instance.
    consumerConfig.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.min(500, config.maxInFlight())));
    Set<String> topics = Set.of(config.topicNames().names(Topic.CONTAINER_EVENTS, Topic.FLOWS, Topic.SYSCALLS, Topic.HEARTBEATS));
    KafkaConsumer<byte[], byte[]> kafkaConsumer = KafkaConsumer.create(vertx, consumerConfig, byte[].class, byte[].class);
    stats.clients(kafkaConsumer.unwrap(), publisher);
    consumer = RecordConsumer.forBatches(
        vertx,
        kafkaConsumer,
        new RecordConsumer.Options(consumerName, topics, config.maxInFlight(), config.commitInterval(), STOP_DRAIN),
        this::analyseBatch,
        new RecordConsumer.Rebalance<>() {
          @Override
          public Future<Void> assigned(RecordConsumer.Assignment<byte[], byte[]> assignment) {
            return rebuildState(assignment);
          }
        });
    hostInfo = new HostInfoReader(
        KafkaConsumer.create(vertx, config.kafka().consumerConfig(consumerName + "-hosts", null), String.class, byte[].class),
        config.topicNames().name(Topic.HEARTBEATS),
        config.replayWindow(),
        heartbeat -> publishAll(engine.onHostInfo(heartbeat, Instant.now())));
    return publisher.start()
        .compose(v -> hostInfo.start())
        .compose(v -> consumer.start())
        .onSuccess(v -> {
          LOG.info("{}: analyzing {} as group {}", consumerName, topics, config.groupId());
          tickTimer = vertx.setPeriodic(config.tickInterval().toMillis(), id -> tick());
        })
        .onFailure(e -> {
          retryUntilNanos = System.nanoTime();
          consumer.abort().eventually(hostInfo::stop).eventually(publisher::stop);
        });
  }

  /** Finishes the batches in flight (at most {@code STOP_DRAIN}), commits, closes consumer and publisher. */
  @Override
  public Future<?> stop() {
    if (aborted) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(tickTimer);
    retryUntilNanos = System.nanoTime() + STOP_DRAIN.toNanos();
    return consumer.stop()
        .eventually(() -> {
          retryUntilNanos = System.nanoTime();
          return hostInfo.stop();
        })
        .eventually(publisher::stop)
        .onComplete(ar -> {
          refreshStats();
          LOG.info("{}: stopped", consumerName);
        });
  }

  /**
   * Stops at once as a crash would: nothing more is committed, sends are not retried, buffered
   * alerts are dropped. For fault tests of at-least-once processing.
   */
  public Future<Void> abort() {
    aborted = true;
    vertx.cancelTimer(tickTimer);
    retryUntilNanos = System.nanoTime();
    return consumer.abort().eventually(hostInfo::stop).eventually(publisher::stop);
  }

  /**
   * Analyses a partition's batch on the event loop. Records that raised nothing are done at once;
   * the batch completes when the alerts and dead letters of the others are acknowledged.
   */
  private Future<Void> analyseBatch(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
    Topic topic = config.topicNames().topicOf(partition.topic()).orElse(null);
    Instant now = Instant.now();
    List<Future<Void>> waiting = null;
    for (ConsumerRecord<byte[], byte[]> record : records) {
      Future<Void> work = analyse(topic, record, now);
      if (!work.succeeded()) {
        if (waiting == null) {
          waiting = new ArrayList<>();
        }
        waiting.add(work);
      }
    }
    stats.batchAnalysed(partition.topic(), records, now);
    return waiting == null ? Future.succeededFuture() : Future.all(waiting).mapEmpty();
  }

  private Future<Void> analyse(Topic topic, ConsumerRecord<byte[], byte[]> record, Instant now) {
    if (topic == null) {
      return deadLetter(record, "topic " + record.topic() + " is not one the analyzer reads");
    }
    if (record.value() == null) {
      return deadLetter(record, "record has no value (tombstone)");
    }
    try {
      List<Alert> alerts = topic == Topic.HEARTBEATS
          ? engine.onHeartbeat(heartbeats.deserialize(record.topic(), record.value()), now)
          : engine.onEvent(topic, events.deserialize(record.topic(), record.value()), now);
      return publishAll(alerts);
    } catch (UndecodableRecordException | InvalidEventException e) {
      return deadLetter(record, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("{}: cannot analyse {}-{}@{}", consumerName, record.topic(), record.partition(), record.offset(), e);
      return deadLetter(record, "analysis failed: " + e);
    }
  }

  private Future<Void> publishAll(List<Alert> alerts) {
    if (alerts.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> sends = new ArrayList<>(alerts.size());
    for (Alert alert : alerts) {
      Alert stamped = alert.toBuilder().setPublishedAt(Timestamps.now()).build();
      String key = stamped.getContainerId().isEmpty() ? stamped.getHostId() : stamped.getHostId() + "/" + stamped.getContainerId();
      sends.add(withRetry(() -> publisher.send(Topic.ALERTS, key, stamped)).onSuccess(v -> stats.alertPublished(stamped)));
    }
    return Future.all(sends).mapEmpty();
  }

  private Future<Void> deadLetter(ConsumerRecord<byte[], byte[]> record, String error) {
    return withRetry(() -> deadLetters.write(record, error)).onSuccess(v -> stats.recordsDeadLettered.incrementAndGet());
  }

  /**
   * At-least-once: a send that failed (the publisher's control path already retried retriable
   * errors until its deadline) is tried again until it is acknowledged, or until stop.
   */
  private Future<Void> withRetry(Supplier<Future<Void>> send) {
    return send.get().recover(e -> {
      if (System.nanoTime() - retryUntilNanos >= 0) {
        return Future.failedFuture(e);
      }
      stats.publishRetries.incrementAndGet();
      LOG.warn("{}: send not acknowledged ({}); retrying in {} ms", consumerName, e.toString(), RETRY_DELAY_MS);
      Promise<Void> promise = Promise.promise();
      vertx.setTimer(RETRY_DELAY_MS, id -> withRetry(send).onComplete(promise));
      return promise.future();
    });
  }

  /** Forgets the engine's state and re-reads each partition's replay window to rebuild it. */
  private Future<Void> rebuildState(RecordConsumer.Assignment<byte[], byte[]> assignment) {
    stats.rebalances.incrementAndGet();
    engine.reset();
    long since = System.currentTimeMillis() - config.replayWindow().toMillis();
    List<Future<Void>> rewinds = new ArrayList<>();
    for (TopicPartition partition : assignment.partitions()) {
      Long committed = assignment.committed().get(partition);
      if (committed != null) {
        rewinds.add(rewind(assignment.consumer(), partition, committed, since));
      }
    }
    return Future.join(rewinds)
        .onSuccess(v -> LOG.info("{}: assigned {} partitions, re-reading the last {} s to rebuild state", consumerName,
            assignment.partitions().size(), config.replayWindow().toSeconds()))
        .recover(e -> {
          LOG.warn("{}: could not rewind every partition ({}); state may miss episodes begun before", consumerName,
              e.toString());
          return Future.succeededFuture();
        })
        .mapEmpty();
  }

  /** Seeks a partition back to where its replay window starts, if that is before its committed offset. */
  private static Future<Void> rewind(
      KafkaConsumer<byte[], byte[]> kafka, TopicPartition partition, long committed, long since) {
    io.vertx.kafka.client.common.TopicPartition vertxPartition =
        new io.vertx.kafka.client.common.TopicPartition(partition.topic(), partition.partition());
    return kafka.offsetsForTimes(vertxPartition, since)
        .recover(e -> Future.succeededFuture(null))
        .compose(found -> found != null && found.getOffset() < committed
            ? kafka.seek(vertxPartition, found.getOffset())
            : Future.succeededFuture());
  }

  private void tick() {
    refreshStats();
    List<Alert> alerts = engine.tick(Instant.now());
    if (!alerts.isEmpty()) {
      publishAll(alerts);
    }
  }

  private void refreshStats() {
    stats.trackedContainers.set(engine.trackedContainers());
    stats.containersEvicted.set(engine.containersEvicted());
    stats.pauses.set(consumer.pauses());
  }
}
