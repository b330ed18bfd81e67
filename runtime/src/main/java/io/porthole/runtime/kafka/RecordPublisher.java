package io.porthole.runtime.kafka;

import com.google.protobuf.MessageLite;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.runtime.ops.Readiness;
import io.porthole.wire.Topic;
import io.porthole.wire.Topic.DeliveryClass;
import io.porthole.wire.TopicNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes protobuf records to Kafka without ever blocking its caller.
 *
 * <p>Callers on any thread hand records over with {@link #publish} (fire and forget, optionally
 * with a {@link DeliveryListener}) or {@link #send} (a future completed on the caller's Vert.x
 * context when the broker acknowledged). Records wait in a bounded buffer until Kafka's producer
 * takes them; when the buffer is full (Kafka slow or unreachable: the producer's {@code
 * buffer.memory} is full or it waits for metadata), the record is dropped and counted in {@link
 * #dropped()} (reported in heartbeats and metrics), and a {@code send} fails with {@link
 * RecordDroppedException}.
 *
 * <p>vertx-kafka-client creates and owns the producer (configuration, {@code flush}, {@code
 * close}), but records do not go through its {@code KafkaProducer#send}: that hands every record to
 * a worker with {@code executeBlocking} and completes it back on the context with {@code
 * runOnContext}, two thread hand-offs per record on top of this class's own buffer. In a JFR
 * profile of the publishing benchmark (bench/run --quick --only publishing, BENCH_JFR=1) that
 * machinery took more samples than Kafka's producer itself: 58 of 171 (worker task queue outside
 * {@code send} 12, the event loop running {@code drain}/{@code write} and completing futures 32,
 * Kafka's I/O thread completing Vert.x promises 14) against 41 in {@code KafkaProducer#send}. So
 * one {@link BufferedSender} thread drains the buffer in batches into the native producer ({@code
 * KafkaProducer#unwrap()}) with a callback, as Kafka's {@code ProducerPerformance} does from its
 * one thread (after the change: 150 of that thread's 158 samples are in {@code KafkaProducer#send},
 * none on an event loop or worker); outcomes are counted with atomics, and only records that carry
 * a promise pay a hop back to a context.
 *
 * <p>Records travel by their topic's {@link DeliveryClass} (docs/delivery.md). Telemetry goes
 * through the buffer described above and is dropped when it is full. Control records (alerts,
 * commands, results, dead letters) have a second {@link BufferedSender} with its own capacity and
 * thread, so a burst of telemetry never takes their room; a control record the buffer cannot take
 * yet, or that Kafka failed with a retriable error, is offered again after a back-off (doubling up
 * to {@link ControlPath#maxBackoff()}), until the broker acknowledged it or {@link
 * ControlPath#deadline()} passed: then its future fails with a {@link ControlDeliveryException}
 * saying why. Both paths share the one native producer (one connection, one idempotence sequence).
 *
 * <p>A publisher made with a {@link PriorityLane} sends the records of its topics (the collector's
 * container lifecycle events and heartbeats) through a third {@link BufferedSender} into a producer
 * of their own that does not linger: such a record never waits behind the other telemetry, in the
 * buffer (a burst of flows cannot take its room), in the producer's batches, or behind their
 * requests on the connection (a broker answers one request per connection at a time). They are
 * still telemetry: dropped when their own buffer is full.
 */
public final class RecordPublisher implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(RecordPublisher.class);

  /**
   * How control records travel: how many may wait before Kafka's producer took them, how long one
   * may take in all (re-sends included) before its future fails, and the back-off between tries.
   */
  public record ControlPath(
      int capacity, Duration deadline, Duration initialBackoff, Duration maxBackoff) {
    /**
     * 10,000 records; two minutes, Kafka's own {@code delivery.timeout.ms} default; 100 ms to 5 s.
     */
    public static final ControlPath DEFAULT =
        new ControlPath(
            10_000, Duration.ofMinutes(2), Duration.ofMillis(100), Duration.ofSeconds(5));

    public ControlPath {
      if (capacity < 1) {
        throw new IllegalArgumentException("control capacity must be positive");
      }
      Objects.requireNonNull(deadline, "deadline");
      Objects.requireNonNull(initialBackoff, "initialBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      if (initialBackoff.isNegative()
          || initialBackoff.isZero()
          || maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("control back-off must be positive, at most maxBackoff");
      }
    }
  }

  /**
   * Telemetry topics whose records go through their own sender and producer: {@code producer}, with
   * Porthole's settings but no linger.
   */
  public record PriorityLane(Set<Topic> topics, KafkaProducer<String, byte[]> producer) {
    public PriorityLane {
      topics = telemetryOnly(topics);
      Objects.requireNonNull(producer, "producer");
    }

    /** {@code topics}, all telemetry; throws IllegalArgumentException naming one that is not. */
    static Set<Topic> telemetryOnly(Set<Topic> topics) {
      for (Topic topic : topics) {
        if (topic.deliveryClass() != DeliveryClass.TELEMETRY) {
          throw new IllegalArgumentException(
              "the priority lane carries telemetry, not " + topic.topicName());
        }
      }
      return Set.copyOf(topics);
    }
  }

  private final Context context;
  // the main producer takes telemetry (of the topics not in the priority lane) and control records
  private final ProducerLane mainLane;
  private final BufferedSender controlSender;
  // null without a priority lane
  private final ProducerLane priorityLane;
  private final Set<Topic> priorityTopics;
  private final ControlPath controlPath;
  private final TopicNames topicNames;
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();

  /**
   * How long records may wait with none acknowledged before {@link #producing()} says DOWN: a
   * broker that takes nothing for this long is no progress, however healthy the last outcome.
   */
  public static final Duration PROGRESS_LIMIT = Duration.ofSeconds(60);

  /**
   * A publisher whose control records take {@link ControlPath#DEFAULT}.
   *
   * @param producer the producer (in tests: {@code KafkaProducer.create(vertx, mockProducer)});
   *     records go to its native producer ({@code unwrap()}), flush and close through it
   * @param maxBufferedRecords telemetry records held before Kafka's producer has taken them, before
   *     dropping
   */
  public RecordPublisher(
      Vertx vertx,
      KafkaProducer<String, byte[]> producer,
      TopicNames topicNames,
      int maxBufferedRecords) {
    this(vertx, producer, topicNames, maxBufferedRecords, ControlPath.DEFAULT);
  }

  public RecordPublisher(
      Vertx vertx,
      KafkaProducer<String, byte[]> producer,
      TopicNames topicNames,
      int maxBufferedRecords,
      ControlPath controlPath) {
    this(vertx, producer, topicNames, maxBufferedRecords, controlPath, null);
  }

  /**
   * A publisher whose records of {@code lane}'s topics go through their own buffer (of {@code
   * maxBufferedRecords} too) and {@code lane}'s producer; {@code lane} may be null (none).
   */
  public RecordPublisher(
      Vertx vertx,
      KafkaProducer<String, byte[]> producer,
      TopicNames topicNames,
      int maxBufferedRecords,
      ControlPath controlPath,
      PriorityLane lane) {
    this.context = Objects.requireNonNull(vertx, "vertx").getOrCreateContext();
    this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
    this.controlPath = Objects.requireNonNull(controlPath, "controlPath");
    if (maxBufferedRecords < 1) {
      throw new IllegalArgumentException("maxBufferedRecords must be positive");
    }
    this.mainLane = new ProducerLane(producer, maxBufferedRecords, "telemetry");
    this.controlSender = new BufferedSender(producer.unwrap(), controlPath.capacity(), "control");
    this.priorityLane =
        lane == null ? null : new ProducerLane(lane.producer(), maxBufferedRecords, "priority");
    this.priorityTopics = lane == null ? Set.of() : lane.topics();
  }

  /** A publisher with Porthole's reliable producer settings (idempotent, acks=all, lz4). */
  public static RecordPublisher create(
      Vertx vertx,
      KafkaSettings kafka,
      String clientId,
      TopicNames topicNames,
      int maxBufferedRecords) {
    return create(vertx, kafka, clientId, topicNames, maxBufferedRecords, Map.of());
  }

  /**
   * A publisher with Porthole's reliable producer settings and the caller's defaults over them
   * (what the operator set in {@code kafka.producer.*} still wins).
   */
  public static RecordPublisher create(
      Vertx vertx,
      KafkaSettings kafka,
      String clientId,
      TopicNames topicNames,
      int maxBufferedRecords,
      Map<String, String> producerDefaults) {
    Map<String, String> config = new HashMap<>(kafka.producerConfig(clientId, producerDefaults));
    KafkaProducer<String, byte[]> producer =
        KafkaProducer.create(vertx, config, String.class, byte[].class);
    return new RecordPublisher(vertx, producer, topicNames, maxBufferedRecords);
  }

  /**
   * A publisher with Porthole's reliable producer settings whose records of {@code priorityTopics}
   * go through a {@link PriorityLane}: a second producer with {@code linger.ms} 0 (what the
   * operator set in {@code kafka.producer.*} still wins), its client id the main producer's with
   * {@code -priority} appended.
   */
  public static RecordPublisher createWithPriorityLane(
      Vertx vertx,
      KafkaSettings kafka,
      String clientId,
      TopicNames topicNames,
      int maxBufferedRecords,
      Set<Topic> priorityTopics) {
    Set<Topic> laneTopics = PriorityLane.telemetryOnly(priorityTopics);
    Map<String, String> config = new HashMap<>(kafka.producerConfig(clientId));
    Map<String, String> laneConfig =
        new HashMap<>(kafka.producerConfig(clientId, Map.of(ProducerConfig.LINGER_MS_CONFIG, "0")));
    // after the operator's settings: a client.id set there must not name both producers alike
    laneConfig.put(
        ProducerConfig.CLIENT_ID_CONFIG, config.get(ProducerConfig.CLIENT_ID_CONFIG) + "-priority");
    KafkaProducer<String, byte[]> producer =
        KafkaProducer.create(vertx, config, String.class, byte[].class);
    KafkaProducer<String, byte[]> laneProducer;
    try {
      laneProducer = KafkaProducer.create(vertx, laneConfig, String.class, byte[].class);
    } catch (RuntimeException e) {
      producer.close();
      throw e;
    }
    return new RecordPublisher(
        vertx,
        producer,
        topicNames,
        maxBufferedRecords,
        ControlPath.DEFAULT,
        new PriorityLane(laneTopics, laneProducer));
  }

  /** Nothing to wait for: the sending thread starts with the first record. */
  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  /**
   * Hands a record over; never blocks. Dropped (and counted) when the buffer is full or stopped.
   */
  public void publish(Topic topic, String key, MessageLite value) {
    offer(
        new Pending(
            topic, new ProducerRecord<>(topicNames.name(topic), key, value.toByteArray()), null));
  }

  /**
   * Hands a record over and tells its outcome to {@code listener} (on the thread that decided it:
   * see {@link DeliveryListener}); never blocks. The way for hot paths that only count outcomes.
   */
  public void publish(Topic topic, String key, MessageLite value, DeliveryListener listener) {
    Objects.requireNonNull(listener, "listener");
    offer(
        new Pending(
            topic,
            new ProducerRecord<>(topicNames.name(topic), key, value.toByteArray()),
            listener));
  }

  /**
   * Hands a record over; the future completes (on the caller's context) when the broker
   * acknowledged it.
   */
  public Future<Void> send(Topic topic, String key, MessageLite value) {
    PromiseOnContext promise = new PromiseOnContext(callerContext());
    offer(
        new Pending(
            topic,
            new ProducerRecord<>(topicNames.name(topic), key, value.toByteArray()),
            promise));
    return promise.future();
  }

  /** Raw bytes to a topic (dead letters); acknowledged like {@link #send}. */
  public Future<Void> sendRaw(Topic topic, String key, byte[] value, Map<String, byte[]> headers) {
    List<Header> recordHeaders = new ArrayList<>();
    if (headers != null) {
      headers.forEach((name, bytes) -> recordHeaders.add(new RecordHeader(name, bytes)));
    }
    PromiseOnContext promise = new PromiseOnContext(callerContext());
    offer(
        new Pending(
            topic,
            new ProducerRecord<>(topicNames.name(topic), null, key, value, recordHeaders),
            promise));
    return promise.future();
  }

  /** Records acknowledged by the broker. */
  public long published() {
    return published.get();
  }

  /**
   * Records never handed to Kafka, each counted once: telemetry refused because its buffer was
   * full, and records of either class still buffered when the publisher stopped. Their futures fail
   * with {@link RecordDroppedException}.
   */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Records the broker refused or did not acknowledge: telemetry at its first failure, control
   * records after a non-retriable failure or once their deadline passed.
   */
  public long failed() {
    return failed.get();
  }

  /** Control records offered again (buffer full, or a retriable failure), counted per re-offer. */
  public long retried() {
    return retried.get();
  }

  public TopicNames topicNames() {
    return topicNames;
  }

  /**
   * The readiness check "producing": ready unless the last outcome was a failure (a record the
   * broker refused or did not acknowledge, not one dropped under back-pressure), so a publisher
   * that has nothing to send yet is ready and one whose sends fail is not until one succeeds again.
   */
  public Readiness.Status producing() {
    return producing(System.nanoTime());
  }

  Readiness.Status producing(long nowNanos) {
    String counts = published.get() + " acknowledged, " + failed.get() + " failed";
    // each producer is judged alone: the lane's heartbeats cannot hide a main producer that takes
    // nothing
    String trouble = mainLane.progress.trouble(nowNanos);
    if (trouble == null && priorityLane != null) {
      trouble = priorityLane.progress.trouble(nowNanos);
      trouble = trouble == null ? null : "priority lane: " + trouble;
    }
    return trouble == null
        ? Readiness.Status.up(counts)
        : Readiness.Status.down(counts + "; " + trouble);
  }

  /**
   * One native producer and what belongs to it alone: the sender of its telemetry (its own buffer
   * and thread), the outcomes of its records for {@link #producing()}, and its metrics once bound.
   */
  private static final class ProducerLane {
    private final KafkaProducer<String, byte[]> producer;
    private final BufferedSender telemetrySender;
    private final Progress progress = new Progress();
    private volatile KafkaClientMetrics metrics;

    ProducerLane(KafkaProducer<String, byte[]> producer, int maxBufferedRecords, String name) {
      this.producer = Objects.requireNonNull(producer, "producer");
      this.telemetrySender = new BufferedSender(producer.unwrap(), maxBufferedRecords, name);
    }

    void bindMetrics(PortholeMetrics registry) {
      metrics = registry.bindKafkaProducer(producer.unwrap());
    }

    void unbindMetrics() {
      KafkaClientMetrics bound = metrics;
      metrics = null;
      if (bound != null) {
        bound.close();
      }
    }

    /** Flushes what the producer holds (acknowledged or failed), then closes it. */
    Future<Void> flushAndClose() {
      return producer
          .flush()
          .recover(e -> Future.succeededFuture())
          .compose(v -> producer.close(5000));
    }
  }

  /** The outcomes of one producer's records, for {@link #producing()}. */
  private static final class Progress {
    // System.nanoTime() of the last acknowledgement and of the last failure; -1 for never.
    private volatile long lastAckNanos = -1;
    private volatile long lastFailureNanos = -1;
    private volatile String lastFailure = "";
    // Records offered and not yet acknowledged, failed or dropped; since when some have waited.
    private final AtomicLong waiting = new AtomicLong();
    private volatile long waitingSinceNanos = -1;

    void offered() {
      if (waiting.getAndIncrement() == 0) {
        waitingSinceNanos = System.nanoTime();
      }
    }

    void acknowledged() {
      lastAckNanos = System.nanoTime();
      waiting.decrementAndGet();
    }

    void failed(Exception exception) {
      waiting.decrementAndGet();
      lastFailure = exception.toString();
      lastFailureNanos = System.nanoTime();
    }

    void dropped() {
      waiting.decrementAndGet();
    }

    /** Why this producer is not making progress, or null when it is. */
    String trouble(long nowNanos) {
      long ack = lastAckNanos;
      long failure = lastFailureNanos;
      if (failure >= 0 && (ack < 0 || failure - ack > 0)) {
        return "last send failed: " + lastFailure;
      }
      long waitingNow = waiting.get();
      long since = Math.max(ack, waitingSinceNanos);
      if (waitingNow > 0 && since >= 0 && nowNanos - since > PROGRESS_LIMIT.toNanos()) {
        return waitingNow
            + " records waiting, none acknowledged for "
            + TimeUnit.NANOSECONDS.toSeconds(nowNanos - since)
            + " s (limit "
            + PROGRESS_LIMIT.toSeconds()
            + " s)";
      }
      return null;
    }
  }

  /**
   * Reports the producers' own metrics ({@code kafka_producer_*}: the main one's, and the priority
   * lane's) in {@code metrics} until stop.
   */
  public RecordPublisher bindMetrics(PortholeMetrics metrics) {
    lanes().forEach(lane -> lane.bindMetrics(metrics));
    return this;
  }

  /**
   * As {@link #bindMetrics(PortholeMetrics)}, and counts this publisher's sends the broker refused
   * or did not acknowledge as {@code porthole_<service>_kafka_send_failures_total} and the records
   * dropped before sending (buffer full, publisher stopped) as {@code
   * porthole_<service>_kafka_records_dropped_total}, read at scrape time. When the process already
   * has such a meter (a second publisher of the same service) the first one stays.
   */
  public RecordPublisher bindMetrics(PortholeMetrics metrics, String service) {
    bindMetrics(metrics);
    MeterRegistry registry = metrics.registry();
    String prefix = "porthole." + Objects.requireNonNull(service, "service") + ".kafka.";
    if (registry.find(prefix + "send.failures").meter() == null) {
      FunctionCounter.builder(prefix + "send.failures", failed, AtomicLong::get)
          .description("records the broker refused or did not acknowledge")
          .register(registry);
    }
    if (registry.find(prefix + "records.dropped").meter() == null) {
      FunctionCounter.builder(prefix + "records.dropped", dropped, AtomicLong::get)
          .description("records dropped before sending (buffer full, publisher stopped)")
          .register(registry);
    }
    return this;
  }

  private Context callerContext() {
    Context current = Vertx.currentContext();
    return current != null ? current : context;
  }

  /** The main lane, and the priority lane if there is one. */
  private List<ProducerLane> lanes() {
    return priorityLane == null ? List.of(mainLane) : List.of(mainLane, priorityLane);
  }

  private void offer(Pending pending) {
    BufferedSender sender = pending.control ? controlSender : pending.lane.telemetrySender;
    if (sender.offer(pending)) {
      return;
    }
    if (sender.stopped()) {
      pending.dropped("publisher stopped");
    } else if (pending.control) {
      pending.retryLater(
          new RecordDroppedException(
              "control buffer full ("
                  + sender.capacity()
                  + " records): Kafka is slow or unreachable"));
    } else {
      pending.dropped(
          "publish buffer full (" + sender.capacity() + " records): Kafka is slow or unreachable");
    }
  }

  /**
   * Drops what is still buffered, lets the sending threads hand over their last records, then
   * flushes what each producer holds (so those records are acknowledged or failed) and closes it.
   */
  @Override
  public Future<Void> stop() {
    List<ProducerLane> lanes = lanes();
    lanes.forEach(ProducerLane::unbindMetrics);
    List<BufferedSender> senders = new ArrayList<>();
    senders.add(controlSender);
    lanes.forEach(lane -> senders.add(lane.telemetrySender));
    for (BufferedSender sender : senders) {
      for (BufferedSender.Item left : sender.stop()) {
        left.dropped("publisher stopped");
      }
    }
    Future<Void> ended =
        context.executeBlocking(
            () -> {
              for (BufferedSender sender : senders) {
                sender.awaitEnd();
              }
              return null;
            });
    // each producer closed even when waiting for the senders failed
    return Future.join(
            lanes.stream().map(lane -> ended.transform(v -> lane.flushAndClose())).toList())
        .mapEmpty();
  }

  /** One record on its way, counted once whatever its outcome, and who is told. */
  private final class Pending implements BufferedSender.Item {
    private final ProducerRecord<String, byte[]> record;
    private final DeliveryListener listener;
    private final boolean control;
    private final ProducerLane lane;
    private final long deadlineNanos;
    private int attempts;

    Pending(Topic topic, ProducerRecord<String, byte[]> record, DeliveryListener listener) {
      this.record = record;
      this.listener = listener;
      this.control = topic.deliveryClass() == DeliveryClass.CONTROL;
      this.lane = priorityTopics.contains(topic) ? priorityLane : mainLane;
      this.deadlineNanos = control ? System.nanoTime() + controlPath.deadline().toNanos() : 0;
      lane.progress.offered();
    }

    @Override
    public ProducerRecord<String, byte[]> record() {
      return record;
    }

    /**
     * Called by Kafka's I/O thread (or the sending thread, when the producer refused the record).
     */
    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      if (exception == null) {
        published.incrementAndGet();
        lane.progress.acknowledged();
        tell(null);
      } else if (control && exception instanceof RetriableException) {
        retryLater(exception);
      } else {
        fail(exception);
      }
    }

    /**
     * Offers a control record again after a back-off, or fails it when the back-off would pass its
     * deadline (or the publisher stopped).
     */
    void retryLater(Exception cause) {
      long backoffMs = backoffMillis(attempts++);
      if (controlSender.stopped()) {
        dropped("publisher stopped");
      } else if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) - deadlineNanos > 0) {
        fail(
            new ControlDeliveryException(
                "control record to "
                    + record.topic()
                    + " not acknowledged within "
                    + controlPath.deadline().toMillis()
                    + " ms ("
                    + attempts
                    + " tries): "
                    + cause.getMessage(),
                cause));
      } else {
        retried.incrementAndGet();
        LOG.debug(
            "control record to {}: {}; offering it again in {} ms",
            record.topic(),
            cause,
            backoffMs);
        context.owner().setTimer(backoffMs, id -> offer(this));
      }
    }

    private long backoffMillis(int attempt) {
      long initial = controlPath.initialBackoff().toMillis();
      long shifted = attempt >= 30 ? Long.MAX_VALUE : initial << attempt;
      return Math.max(
          1, Math.min(controlPath.maxBackoff().toMillis(), shifted < 0 ? Long.MAX_VALUE : shifted));
    }

    private void fail(Exception exception) {
      failed.incrementAndGet();
      lane.progress.failed(exception);
      LOG.warn("record to {} not acknowledged: {}", record.topic(), exception.toString());
      tell(exception);
    }

    @Override
    public void dropped(String reason) {
      dropped.incrementAndGet();
      lane.progress.dropped();
      if (listener != null) {
        tell(new RecordDroppedException(reason));
      }
    }

    private void tell(Throwable failure) {
      if (listener == null) {
        return;
      }
      try {
        listener.delivered(failure);
      } catch (RuntimeException e) {
        // Never let a listener break Kafka's I/O thread or the sending thread.
        LOG.warn("delivery listener for a record to {} failed: {}", record.topic(), e.toString());
      }
    }
  }

  /** A send's promise, completed on the context of its caller. */
  private static final class PromiseOnContext implements DeliveryListener {
    private final Promise<Void> promise = Promise.promise();
    private final Context context;

    PromiseOnContext(Context context) {
      this.context = context;
    }

    Future<Void> future() {
      return promise.future();
    }

    @Override
    public void delivered(Throwable failure) {
      if (Vertx.currentContext() == context) {
        complete(failure);
      } else {
        context.runOnContext(v -> complete(failure));
      }
    }

    private void complete(Throwable failure) {
      if (failure == null) {
        promise.tryComplete();
      } else {
        promise.tryFail(failure);
      }
    }
  }
}
