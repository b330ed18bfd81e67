package io.porthole.analyzer.kafka;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.engine.AnalysisEngine;
import io.porthole.analyzer.engine.InvalidEventException;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.ProtobufDeserializer;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.UndecodableRecordException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.nio.charset.StandardCharsets;
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
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyzer's Kafka adapter, on one event loop: polls the event and heartbeat topics as one
 * consumer group, feeds each record to the {@link AnalysisEngine}, publishes the alerts, and commits
 * a record's offset only once its alerts (or its dead letter) are acknowledged by the broker.
 *
 * <p>After every assignment the engine's state is rebuilt: each assigned partition is re-read from
 * {@code now - replayWindow} (or from its committed offset if that is older), so an episode that
 * began before a restart or rebalance is still recognised. Alerts raised while re-reading are
 * published again with the same ids; consumers drop the duplicates.
 */
public final class AnalyzerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyzerVerticle.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final long RETRY_DELAY_MS = 1000;
  private static final long STOP_DRAIN_MS = 10_000;

  private final AnalyzerConfig config;
  private final AnalyzerStats stats;
  private final ProtobufDeserializer<EventEnvelope> events = ProtobufDeserializer.events();
  private final ProtobufDeserializer<CollectorHeartbeat> heartbeats = ProtobufDeserializer.heartbeats();
  private final AssignedOffsets offsets = new AssignedOffsets();
  private AnalysisEngine engine;
  private RecordPublisher publisher;
  // Keys stay bytes: the analyzer reads the partition, never the key, except to dead-letter a record.
  private KafkaConsumer<byte[], byte[]> consumer;
  // Every instance reads every heartbeat (no group) to know each host's kernel; host rules run
  // only on the instance that owns the heartbeat partition in the group.
  private HostInfoReader hostInfo;
  private String consumerName;
  private Set<TopicPartition> assignment = Set.of();
  // ready: assigned and rewound, batches are analysed; rewinding: seeking, no poll may run.
  private boolean ready;
  private boolean rewinding;
  private boolean polling;
  private boolean paused;
  private boolean closing;
  private volatile boolean stopped;
  private long commitTimer = -1;
  private long tickTimer = -1;

  public AnalyzerVerticle(AnalyzerConfig config, AnalyzerStats stats) {
    this.config = Objects.requireNonNull(config, "config");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  @Override
  public Future<?> start() {
    consumerName = config.clientId() + "-" + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 8);
    engine = new AnalysisEngine(config.limits(), config.rules().enabledRules());
    publisher = RecordPublisher.create(vertx, config.kafka(), consumerName, config.topicNames(), config.publishBuffer());
    Map<String, String> consumerConfig = new HashMap<>(config.kafka().consumerConfig(consumerName, config.groupId()));
    // Co-partitioning only helps if partition N of every event topic goes to the same instance.
    consumerConfig.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.min(500, config.maxInFlight())));
    consumer = KafkaConsumer.create(vertx, consumerConfig, byte[].class, byte[].class);
    consumer.partitionsAssignedHandler(this::assigned);
    consumer.partitionsRevokedHandler(this::revoked);
    consumer.exceptionHandler(e -> LOG.warn("{}: Kafka consumer error: {}", consumerName, e.toString()));
    Set<String> topics = Set.of(config.topicNames().names(Topic.CONTAINER_EVENTS, Topic.FLOWS, Topic.SYSCALLS, Topic.HEARTBEATS));
    hostInfo = new HostInfoReader(
        KafkaConsumer.create(vertx, config.kafka().consumerConfig(consumerName + "-hosts", null), String.class, byte[].class),
        config.topicNames().name(Topic.HEARTBEATS),
        config.replayWindow(),
        heartbeat -> publishAll(engine.onHostInfo(heartbeat, Instant.now())));
    return publisher.start()
        .compose(v -> hostInfo.start())
        .compose(v -> consumer.subscribe(topics))
        .onSuccess(v -> {
          LOG.info("{}: analyzing {} as group {}", consumerName, topics, config.groupId());
          commitTimer = vertx.setPeriodic(config.commitInterval().toMillis(), id -> commit());
          tickTimer = vertx.setPeriodic(config.tickInterval().toMillis(), id -> tick());
          poll();
        })
        .onFailure(e -> {
          closing = true;
          stopped = true;
          consumer.close().eventually(hostInfo::stop).eventually(publisher::stop);
        });
  }

  @Override
  public Future<?> stop() {
    closing = true;
    vertx.cancelTimer(commitTimer);
    vertx.cancelTimer(tickTimer);
    long deadline = System.currentTimeMillis() + STOP_DRAIN_MS;
    return drained(deadline)
        .compose(v -> commit())
        .eventually(() -> {
          stopped = true;
          return consumer.close();
        })
        .eventually(hostInfo::stop)
        .eventually(publisher::stop)
        .onComplete(ar -> LOG.info("{}: stopped", consumerName));
  }

  private Future<Void> drained(long deadline) {
    if (offsets.waiting() == 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(50, id -> drained(deadline).onComplete(ar -> promise.complete()));
    return promise.future();
  }

  /**
   * Keeps one poll outstanding: the next batch is fetched on the consumer's thread while this one is
   * analysed on the event loop. No poll is issued while an assignment is being rewound, so that no
   * batch can be fetched between the seeks of two partitions (and dropped, past records never read).
   */
  private void poll() {
    if (closing || rewinding || polling) {
      return;
    }
    polling = true;
    consumer.poll(POLL_TIMEOUT).onComplete(ar -> {
      polling = false;
      // Read before poll(): a batch that completes after an assignment was fetched before its seeks.
      boolean current = ready;
      poll();
      if (ar.failed()) {
        if (!closing) {
          LOG.warn("{}: poll failed: {}", consumerName, ar.cause().toString());
        }
      } else if (current) {
        handle(ar.result());
      }
    });
  }

  private void handle(KafkaConsumerRecords<byte[], byte[]> records) {
    ConsumerRecords<byte[], byte[]> batch = records.records();
    Instant now = Instant.now();
    for (org.apache.kafka.common.TopicPartition partition : batch.partitions()) {
      OffsetTracker tracker = offsets.tracker(new TopicPartition(partition.topic(), partition.partition()));
      if (tracker == null) {
        continue;
      }
      Topic topic = config.topicNames().topicOf(partition.topic()).orElse(null);
      List<ConsumerRecord<byte[], byte[]>> partitionRecords = batch.records(partition);
      for (ConsumerRecord<byte[], byte[]> record : partitionRecords) {
        process(topic, tracker, record, now);
      }
      stats.recordsProcessed.addAndGet(partitionRecords.size());
    }
    pauseIfFull();
  }

  /**
   * Analyses one record on the event loop. A record that raised nothing is done at once; only one
   * whose alerts or dead letter await the broker is remembered, so that the commit waits for it.
   */
  private void process(Topic topic, OffsetTracker tracker, ConsumerRecord<byte[], byte[]> record, Instant now) {
    Future<Void> work = analyse(topic, record, now);
    if (work.succeeded()) {
      tracker.processed(record.offset());
      return;
    }
    AssignedOffsets.Waiting waiting = offsets.awaiting(tracker, record.offset());
    work.onComplete(ar -> {
      if (ar.succeeded()) {
        offsets.acknowledged(waiting);
      } else {
        offsets.abandoned(waiting);
      }
      resumeIfRoom();
    });
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
      sends.add(withRetry(() -> publisher.send(Topic.ALERTS, key, stamped)).onSuccess(v -> stats.alertsPublished.incrementAndGet()));
    }
    return Future.all(sends).mapEmpty();
  }

  private Future<Void> deadLetter(ConsumerRecord<byte[], byte[]> record, String error) {
    LOG.warn("{}: dead-lettering {}-{}@{}: {}", consumerName, record.topic(), record.partition(), record.offset(), error);
    Map<String, byte[]> headers = DeadLetters.headers(record.topic(), record.partition(), record.offset(), error, consumerName);
    byte[] value = record.value() == null ? new byte[0] : record.value();
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    return withRetry(() -> publisher.sendRaw(Topic.DEAD_LETTERS, key, value, headers))
        .onSuccess(v -> stats.recordsDeadLettered.incrementAndGet());
  }

  /** At-least-once: a send the broker did not acknowledge is tried again until it is, or until stop. */
  private Future<Void> withRetry(Supplier<Future<Void>> send) {
    return send.get().recover(e -> {
      if (stopped) {
        return Future.failedFuture(e);
      }
      stats.publishRetries.incrementAndGet();
      LOG.warn("{}: send not acknowledged ({}); retrying in {} ms", consumerName, e.toString(), RETRY_DELAY_MS);
      Promise<Void> promise = Promise.promise();
      vertx.setTimer(RETRY_DELAY_MS, id -> withRetry(send).onComplete(ar -> {
        if (ar.succeeded()) {
          promise.complete();
        } else {
          promise.fail(ar.cause());
        }
      }));
      return promise.future();
    });
  }

  private void pauseIfFull() {
    if (!paused && offsets.waiting() >= config.maxInFlight()) {
      paused = true;
      stats.pauses.incrementAndGet();
      consumer.pause(assignment);
    }
  }

  private void resumeIfRoom() {
    if (paused && offsets.waiting() <= config.maxInFlight() / 2) {
      paused = false;
      consumer.resume(assignment);
    }
  }

  private void assigned(Set<TopicPartition> partitions) {
    stats.rebalances.incrementAndGet();
    offsets.assign(partitions);
    int assignedGeneration = offsets.generation();
    ready = false;
    rewinding = true;
    paused = false;
    engine.reset();
    assignment = Set.copyOf(partitions);
    long since = System.currentTimeMillis() - config.replayWindow().toMillis();
    List<Future<Void>> rewinds = new ArrayList<>();
    for (TopicPartition partition : partitions) {
      rewinds.add(rewind(partition, offsets.tracker(partition), since));
    }
    Future.join(rewinds).onComplete(ar -> {
      if (assignedGeneration != offsets.generation()) {
        return;
      }
      if (ar.failed()) {
        LOG.warn("{}: could not rewind every partition ({}); state may miss episodes begun before", consumerName, ar.cause().toString());
      }
      ready = true;
      rewinding = false;
      poll();
      LOG.info("{}: assigned {} partitions, re-reading the last {} s to rebuild state", consumerName, partitions.size(),
          config.replayWindow().toSeconds());
    });
  }

  /** Seeks a partition to where re-reading its recent window starts; never moves a commit backwards. */
  private Future<Void> rewind(TopicPartition partition, OffsetTracker tracker, long since) {
    return consumer.committed(partition).compose(committed -> {
      if (committed == null) {
        return consumer.seekToBeginning(partition);
      }
      tracker.committedUpTo(committed.getOffset());
      return consumer.offsetsForTimes(partition, since)
          .recover(e -> Future.succeededFuture(null))
          .compose(found -> {
            long target = committed.getOffset();
            if (found != null && found.getOffset() < target) {
              target = found.getOffset();
            }
            return consumer.seek(partition, target);
          });
    });
  }

  private void revoked(Set<TopicPartition> partitions) {
    commit();
    offsets.revoke();
    ready = false;
    rewinding = false;
    paused = false;
    assignment = Set.of();
  }

  private Future<Void> commit() {
    stats.trackedContainers.set(engine.trackedContainers());
    stats.containersEvicted.set(engine.containersEvicted());
    Map<TopicPartition, Long> committable = offsets.toCommit();
    if (committable.isEmpty()) {
      return Future.succeededFuture();
    }
    int generation = offsets.generation();
    Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
    committable.forEach((partition, offset) -> request.put(partition, new OffsetAndMetadata(offset, "")));
    return consumer.commit(request)
        .onSuccess(done -> offsets.committed(generation, committable))
        .onFailure(e -> LOG.warn("{}: commit failed (records will be re-read): {}", consumerName, e.toString()))
        .mapEmpty();
  }

  private void tick() {
    List<Alert> alerts = engine.tick(Instant.now());
    if (!alerts.isEmpty()) {
      publishAll(alerts);
    }
  }
}
