package io.porthole.analyzer.kafka;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.engine.AnalysisEngine;
import io.porthole.analyzer.engine.ContainerKey;
import io.porthole.analyzer.engine.InvalidEventException;
import io.porthole.analyzer.rules.DetectionRule;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.runtime.kafka.DeadLetterWriter;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.wire.ProtobufDeserializer;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.UndecodableRecordException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyzer's Kafka adapter: an {@link AnalysisPipeline} fetches the event and heartbeat topics
 * on its own thread and runs decode and rules on one analysis thread, off the event loop; this
 * verticle owns the {@link AnalysisEngine} (touched only on that analysis thread) and publishes the
 * alerts and dead letters (control records) on its event loop. A batch counts as handled once its
 * alerts and dead letters are acknowledged by the broker, so that the pipeline commits past it only
 * then.
 *
 * <p>After every assignment the engine's state is rebuilt: each assigned partition is re-read from
 * {@code now - replayWindow} (or from its committed offset if that is older), so an episode that
 * began before a restart or rebalance is still recognised. Alerts raised while re-reading are
 * published again with the same ids; consumers drop the duplicates.
 */
public final class AnalyzerVerticle extends VerticleBase
    implements AnalysisPipeline.Stage<ByteBuffer, ByteBuffer> {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyzerVerticle.class);
  private static final long RETRY_DELAY_MS = 1000;
  private static final Duration STOP_DRAIN = Duration.ofSeconds(10);

  /**
   * Records per poll (at most a quarter of {@code analyzer.max.in.flight}): enough that hand-offs
   * between the fetch, decode and analysis threads cost little, few enough that a die waits behind
   * at most one short batch of flows being analysed.
   */
  private static final int MAX_POLL_RECORDS = 1000;

  /**
   * Kafka's fetch.max.wait.ms for the analyzer's group consumer unless {@code kafka.consumer.*}
   * sets it.
   */
  static final int FETCH_MAX_WAIT_MS = 5;

  /**
   * Kafka's max.partition.fetch.bytes for the analyzer's group consumer unless {@code
   * kafka.consumer.*} sets it (Kafka's default is 1 MiB).
   */
  static final int MAX_PARTITION_FETCH_BYTES = 512 * 1024;

  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final AnalyzerConfig config;
  private final AnalyzerStats stats;
  private final ProtobufDeserializer<EventEnvelope> events = ProtobufDeserializer.events();
  private final ProtobufDeserializer<CollectorHeartbeat> heartbeats =
      ProtobufDeserializer.heartbeats();
  // Touched only on the pipeline's analysis thread (and by stop once the pipeline has stopped),
  // but for its thread-safe mayUseFlow, which the decode threads ask.
  private AnalysisEngine engine;
  private AlertUpdateThrottle updates;
  private RecordPublisher publisher;
  private DeadLetterWriter deadLetters;
  private AnalysisPipeline<ByteBuffer, ByteBuffer> pipeline;
  // Every instance reads every heartbeat (no group) to know each host's kernel; host rules run
  // only on the instance that owns the heartbeat partition in the group.
  private HostInfoReader hostInfo;
  private String consumerName;
  // Sends are retried until acknowledged, except once stop's drain is over or after an abort.
  private volatile long retryUntilNanos = Long.MAX_VALUE;
  private boolean aborted;

  public AnalyzerVerticle(AnalyzerConfig config, AnalyzerStats stats) {
    this.config = Objects.requireNonNull(config, "config");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  @Override
  public Future<?> start() {
    consumerName =
        config.clientId()
            + "-"
            + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 8);
    List<DetectionRule> rules = config.rules().enabledRules();
    stats.rules(rules);
    engine = new AnalysisEngine(config.limits(), rules);
    updates = new AlertUpdateThrottle(config.alertUpdateInterval());
    // Alerts leave as soon as they are made (Porthole's producer default lingers 5 ms, for the
    // collectors' flows): they are few, and the time an operator waits for. Batches still form
    // while a send is in flight.
    publisher =
        RecordPublisher.create(
            vertx,
            config.kafka(),
            consumerName,
            config.topicNames(),
            config.publishBuffer(),
            Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"));
    deadLetters = new DeadLetterWriter(publisher, consumerName);
    Map<String, Object> consumerConfig = groupConsumerConfig(config, consumerName);
    consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords());
    Set<String> topics =
        Set.of(
            config
                .topicNames()
                .names(Topic.CONTAINER_EVENTS, Topic.FLOWS, Topic.SYSCALLS, Topic.HEARTBEATS));
    Set<String> priorityTopics =
        Set.of(config.topicNames().names(Topic.CONTAINER_EVENTS, Topic.HEARTBEATS));
    // Keys and values as the fetch read them, not copied into arrays of their own (one copy of each
    // per record, and the garbage of it, was a measurable part of the fetch thread's work).
    KafkaConsumer<ByteBuffer, ByteBuffer> kafkaConsumer =
        new KafkaConsumer<>(
            consumerConfig, new ByteBufferDeserializer(), new ByteBufferDeserializer());
    KafkaConsumer<ByteBuffer, ByteBuffer> priorityConsumer = priorityConsumer();
    stats.clients(kafkaConsumer, priorityConsumer, publisher);
    pipeline =
        new AnalysisPipeline<>(
            kafkaConsumer,
            priorityConsumer,
            new AnalysisPipeline.Options(
                consumerName,
                topics,
                priorityTopics,
                config.maxInFlight(),
                config.decodeThreads(),
                config.commitInterval(),
                config.tickInterval(),
                config.replayWindow(),
                STOP_DRAIN),
            this,
            stats);
    hostInfo =
        new HostInfoReader(
                io.vertx.kafka.client.consumer.KafkaConsumer.create(
                    vertx,
                    config.kafka().consumerConfig(consumerName + "-hosts", null),
                    String.class,
                    byte[].class),
                config.topicNames().name(Topic.HEARTBEATS),
                config.replayWindow(),
                heartbeat -> pipeline.submit(() -> onHostInfo(heartbeat)))
            .bindMetrics(stats.metrics());
    return publisher
        .start()
        .compose(v -> hostInfo.start())
        .compose(v -> Future.fromCompletionStage(pipeline.start(), context))
        .onSuccess(
            v -> LOG.info("{}: analyzing {} as group {}", consumerName, topics, config.groupId()))
        .onFailure(
            e -> {
              retryUntilNanos = System.nanoTime();
              Future.fromCompletionStage(pipeline.abort(), context)
                  .eventually(hostInfo::stop)
                  .eventually(publisher::stop);
            });
  }

  /** The group consumer's settings: Porthole's, the analyzer's defaults, then kafka.consumer.*. */
  static Map<String, Object> groupConsumerConfig(AnalyzerConfig config, String clientId) {
    Map<String, Object> consumerConfig =
        new HashMap<>(config.kafka().consumerConfig(clientId, config.groupId()));
    // Co-partitioning only helps if partition N of every event topic goes to the same instance.
    consumerConfig.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // The consumer keeps one fetch request per broker in flight. While the flows partitions still
    // have fetched records buffered, that request names only the others (often idle topics), and
    // the broker holds it fetch.max.wait.ms for data that does not come: the flows wait behind it
    // (with Kafka's 500 ms default, that was most of the analyzer's time). Fetches of half Kafka's
    // default size keep less in the heap and in native buffers (peak RSS 253 against 280 MB, at
    // a higher rate with the 5 ms wait, lower with 20 ms: docs/benchmarks.md).
    consumerConfig.putIfAbsent(
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT_MS));
    consumerConfig.putIfAbsent(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(MAX_PARTITION_FETCH_BYTES));
    return consumerConfig;
  }

  /**
   * The consumer of the lifecycle and heartbeat partitions the group assigns this instance: no
   * group (the group's consumer holds the partitions and commits them), its own connections, so a
   * die is fetched as soon as it is appended, however many flows the group's consumer has buffered
   * or is fetching. It may wait in the broker as long as Kafka's default: the flows' fetches do not
   * queue behind it.
   */
  private KafkaConsumer<ByteBuffer, ByteBuffer> priorityConsumer() {
    Map<String, Object> priorityConfig =
        new HashMap<>(config.kafka().consumerConfig(consumerName + "-priority", null));
    priorityConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
    priorityConfig.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    priorityConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    priorityConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords());
    return new KafkaConsumer<>(
        priorityConfig, new ByteBufferDeserializer(), new ByteBufferDeserializer());
  }

  /** {@code MAX_POLL_RECORDS}, or a quarter of {@code analyzer.max.in.flight} if less. */
  private String maxPollRecords() {
    return String.valueOf(Math.max(1, Math.min(MAX_POLL_RECORDS, config.maxInFlight() / 4)));
  }

  /**
   * Finishes the batches in flight (at most {@code STOP_DRAIN}), commits, closes consumer and
   * publisher.
   */
  @Override
  public Future<?> stop() {
    if (aborted) {
      return Future.succeededFuture();
    }
    retryUntilNanos = System.nanoTime() + STOP_DRAIN.toNanos();
    return Future.fromCompletionStage(pipeline.stop(), context)
        // The analysis thread is done: the versions it held back go out now (bounded by the drain).
        .eventually(() -> publishAll(updates.flush()))
        .eventually(
            () -> {
              retryUntilNanos = System.nanoTime();
              return hostInfo.stop();
            })
        .eventually(publisher::stop)
        .onComplete(
            ar -> {
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
    retryUntilNanos = System.nanoTime();
    return Future.fromCompletionStage(pipeline.abort(), context)
        .eventually(hostInfo::stop)
        .eventually(publisher::stop);
  }

  /**
   * Decodes a partition's batch (on a decode thread of the pipeline or its fetch thread, or on the
   * analysis thread for lifecycle events and heartbeats): per record its message, the container key
   * of a flow no rule may use, or the {@link RejectedRecordException} that sends it to the
   * dead-letter topic. Touches no engine state but the thread-safe {@code mayUseFlow}.
   */
  @Override
  public Object prepare(
      TopicPartition partition, List<ConsumerRecord<ByteBuffer, ByteBuffer>> records) {
    Topic topic = config.topicNames().topicOf(partition.topic()).orElse(null);
    Object[] decoded = new Object[records.size()];
    for (int i = 0; i < decoded.length; i++) {
      try {
        decoded[i] = decode(topic, records.get(i));
      } catch (RejectedRecordException e) {
        decoded[i] = e;
      }
    }
    return decoded;
  }

  @Override
  public CompletionStage<Void> analyse(
      TopicPartition partition, List<ConsumerRecord<ByteBuffer, ByteBuffer>> records) {
    return analyse(partition, records, prepare(partition, records));
  }

  /**
   * Analyses a partition's batch (on the analysis thread). A batch that raised nothing is done at
   * once; otherwise it is done when its alerts and dead letters are acknowledged.
   */
  @Override
  public CompletionStage<Void> analyse(
      TopicPartition partition,
      List<ConsumerRecord<ByteBuffer, ByteBuffer>> records,
      Object prepared) {
    Topic topic = config.topicNames().topicOf(partition.topic()).orElse(null);
    Object[] decoded = (Object[]) prepared;
    // Where the containers of the batch's unused flows are kept, read ahead: with tens of thousands
    // of containers those reads miss the CPU's caches, and made here, with nothing waiting on
    // them, they wait for memory together (the flat-cost figure, docs/benchmarks.md).
    for (Object item : decoded) {
      if (item instanceof ContainerKey unusedFlow) {
        engine.readAhead(unusedFlow);
      }
    }
    Instant now = Instant.now();
    List<Alert> alerts = null;
    List<Rejected> rejected = null;
    for (int i = 0; i < decoded.length; i++) {
      ConsumerRecord<ByteBuffer, ByteBuffer> record = records.get(i);
      try {
        List<Alert> raised = analyse(topic, record, decoded[i], now);
        if (!raised.isEmpty()) {
          if (alerts == null) {
            alerts = new ArrayList<>();
          }
          alerts.addAll(raised);
        }
      } catch (RejectedRecordException e) {
        if (rejected == null) {
          rejected = new ArrayList<>();
        }
        rejected.add(new Rejected(record, e.getMessage()));
      }
    }
    stats.batchAnalysed(partition.topic(), records, now);
    List<Alert> toPublish = alerts == null ? List.of() : updates.admit(alerts, System.nanoTime());
    if (toPublish.isEmpty() && rejected == null) {
      return DONE;
    }
    List<Rejected> toDeadLetter = rejected == null ? List.of() : rejected;
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          List<Future<Void>> sends = new ArrayList<>();
          sends.add(publishAll(toPublish));
          toDeadLetter.forEach(r -> sends.add(deadLetter(r.record(), r.error())));
          Future.all(sends)
              .onComplete(
                  ar -> {
                    if (ar.succeeded()) {
                      done.complete(null);
                    } else {
                      done.completeExceptionally(ar.cause());
                    }
                  });
        });
    return done;
  }

  /**
   * The engine forgets its state; the pipeline re-reads the replay window of the assigned
   * partitions.
   */
  @Override
  public void reset() {
    engine.reset();
    updates.reset();
  }

  /** Lets time pass (on the analysis thread): also publishes the held alert versions now due. */
  @Override
  public void tick() {
    refreshStats();
    long nowNanos = System.nanoTime();
    publish(updates.admit(engine.tick(Instant.now()), nowNanos));
    publish(updates.due(nowNanos));
  }

  /**
   * A heartbeat the group-less reader read: what it says of its host's kernel (analysis thread).
   */
  private void onHostInfo(CollectorHeartbeat heartbeat) {
    publish(updates.admit(engine.onHostInfo(heartbeat, Instant.now()), System.nanoTime()));
  }

  private record Rejected(ConsumerRecord<ByteBuffer, ByteBuffer> record, String error) {}

  /** A record that can never be analysed: it goes to the dead-letter topic. */
  private static final class RejectedRecordException extends RuntimeException {
    RejectedRecordException(String message) {
      super(message, null, false, false);
    }
  }

  /** The record's message; thread-safe (no engine state). */
  private Object decode(Topic topic, ConsumerRecord<ByteBuffer, ByteBuffer> record) {
    if (topic == null) {
      throw new RejectedRecordException(
          "topic " + record.topic() + " is not one the analyzer reads");
    }
    if (record.value() == null) {
      throw new RejectedRecordException("record has no value (tombstone)");
    }
    if (topic == Topic.FLOWS) {
      // Most flows are of no use to any rule: those are read only as far as their container and
      // time (FlowEnvelopeScanner); the others, and whatever the scan leaves open, in full.
      FlowEnvelopeScanner.ScannedFlow flow = FlowEnvelopeScanner.scan(record.value());
      if (flow != null && !engine.mayUseFlow(flow.facts())) {
        try {
          return ContainerKey.of(Topic.FLOWS, flow.hostId(), flow.containerId());
        } catch (InvalidEventException e) {
          throw new RejectedRecordException(e.getMessage());
        }
      }
    }
    try {
      if (topic == Topic.HEARTBEATS) {
        return heartbeats.deserialize(record.topic(), record.headers(), record.value());
      }
      EventEnvelope event = events.deserialize(record.topic(), record.headers(), record.value());
      // Strings cache their hash: computed here, on a decode thread, the engine's look-ups of the
      // host and container on the analysis thread do not hash the ids again.
      event.getHostId().hashCode();
      return event;
    } catch (UndecodableRecordException e) {
      throw new RejectedRecordException(e.getMessage());
    }
  }

  private List<Alert> analyse(
      Topic topic, ConsumerRecord<ByteBuffer, ByteBuffer> record, Object decoded, Instant now) {
    if (decoded instanceof RejectedRecordException rejected) {
      throw rejected;
    }
    try {
      if (decoded instanceof ContainerKey unusedFlow) {
        engine.onUnusedFlow(unusedFlow, now);
        return List.of();
      }
      return topic == Topic.HEARTBEATS
          ? engine.onHeartbeat((CollectorHeartbeat) decoded, now)
          : engine.onEvent(topic, (EventEnvelope) decoded, now);
    } catch (InvalidEventException e) {
      throw new RejectedRecordException(e.getMessage());
    } catch (RuntimeException e) {
      LOG.error(
          "{}: cannot analyse {}-{}@{}",
          consumerName,
          record.topic(),
          record.partition(),
          record.offset(),
          e);
      throw new RejectedRecordException("analysis failed: " + e);
    }
  }

  /** Publishes alerts raised outside a batch (ticks, host info), from any thread. */
  private void publish(List<Alert> alerts) {
    if (!alerts.isEmpty()) {
      context.runOnContext(v -> publishAll(alerts));
    }
  }

  private Future<Void> publishAll(List<Alert> alerts) {
    if (alerts.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> sends = new ArrayList<>(alerts.size());
    for (Alert alert : alerts) {
      Alert stamped = alert.toBuilder().setPublishedAt(Timestamps.now()).build();
      String key =
          stamped.getContainerId().isEmpty()
              ? stamped.getHostId()
              : stamped.getHostId() + "/" + stamped.getContainerId();
      sends.add(
          withRetry(() -> publisher.send(Topic.ALERTS, key, stamped))
              .onSuccess(v -> stats.alertPublished(stamped)));
    }
    return Future.all(sends).mapEmpty();
  }

  private Future<Void> deadLetter(ConsumerRecord<ByteBuffer, ByteBuffer> record, String error) {
    return withRetry(() -> deadLetters.write(record, error))
        .onSuccess(v -> stats.recordsDeadLettered.incrementAndGet());
  }

  /**
   * At-least-once: a send that failed (the publisher's control path already retried retriable
   * errors until its deadline) is tried again until it is acknowledged, or until stop.
   */
  private Future<Void> withRetry(Supplier<Future<Void>> send) {
    return send.get()
        .recover(
            e -> {
              if (System.nanoTime() - retryUntilNanos >= 0) {
                return Future.failedFuture(e);
              }
              stats.publishRetries.incrementAndGet();
              LOG.warn(
                  "{}: send not acknowledged ({}); retrying in {} ms",
                  consumerName,
                  e.toString(),
                  RETRY_DELAY_MS);
              Promise<Void> promise = Promise.promise();
              vertx.setTimer(RETRY_DELAY_MS, id -> withRetry(send).onComplete(promise));
              return promise.future();
            });
  }

  private void refreshStats() {
    stats.alertVersionsSkipped.set(updates.versionsSkipped());
    stats.recordsByRule(engine.recordsByRule());
    stats.trackedContainers.set(engine.trackedContainers());
    stats.containersEvicted.set(engine.containersEvicted());
  }
}
