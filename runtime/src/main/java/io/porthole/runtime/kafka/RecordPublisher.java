package io.porthole.runtime.kafka;

import com.google.protobuf.MessageLite;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes protobuf records to Kafka through vertx-kafka-client without ever blocking its caller.
 *
 * <p>Callers on any thread hand records over with {@link #publish} (fire and forget) or {@link
 * #send} (a future completed when the broker acknowledged). Records wait in a bounded buffer while
 * the producer's write queue is full (Kafka slow or unreachable); when the buffer is full, {@code
 * publish} drops the record and counts it in {@link #dropped()} (reported in heartbeats and
 * metrics), and {@code send} fails. Values are {@code byte[]} so that the write queue counts bytes.
 */
public final class RecordPublisher implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(RecordPublisher.class);

  private final Context context;
  private final KafkaProducer<String, byte[]> producer;
  private final TopicNames topicNames;
  private final int maxBufferedRecords;
  private final ArrayDeque<Pending> buffer = new ArrayDeque<>();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private boolean drainScheduled;
  private boolean waitingForDrain;
  private volatile boolean stopped;

  /**
   * @param producer the producer (in tests: {@code KafkaProducer.create(vertx, mockProducer)})
   * @param maxBufferedRecords records held while the write queue is full, before dropping
   */
  public RecordPublisher(
      Vertx vertx, KafkaProducer<String, byte[]> producer, TopicNames topicNames, int maxBufferedRecords) {
    this.context = vertx.getOrCreateContext();
    this.producer = Objects.requireNonNull(producer, "producer");
    this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
    if (maxBufferedRecords < 1) {
      throw new IllegalArgumentException("maxBufferedRecords must be positive");
    }
    this.maxBufferedRecords = maxBufferedRecords;
    producer.exceptionHandler(e -> LOG.warn("Kafka producer error: {}", e.toString()));
  }

  /** A publisher with Porthole's reliable producer settings (idempotent, acks=all, lz4). */
  public static RecordPublisher create(
      Vertx vertx, KafkaSettings kafka, String clientId, TopicNames topicNames, int maxBufferedRecords) {
    Map<String, String> config = new HashMap<>(kafka.producerConfig(clientId));
    KafkaProducer<String, byte[]> producer = KafkaProducer.create(vertx, config, String.class, byte[].class);
    return new RecordPublisher(vertx, producer, topicNames, maxBufferedRecords);
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  /** Hands a record over; never blocks. Dropped (and counted) when the buffer is full or stopped. */
  public void publish(Topic topic, String key, MessageLite value) {
    enqueue(new Pending(topicNames.name(topic), key, value.toByteArray(), null));
  }

  /** Hands a record over; the future completes when the broker acknowledged it. */
  public Future<Void> send(Topic topic, String key, MessageLite value) {
    Promise<Void> promise = Promise.promise();
    enqueue(new Pending(topicNames.name(topic), key, value.toByteArray(), promise));
    return promise.future();
  }

  /** Raw bytes to a topic (dead letters); acknowledged like {@link #send}. */
  public Future<Void> sendRaw(Topic topic, String key, byte[] value, Map<String, byte[]> headers) {
    Promise<Void> promise = Promise.promise();
    Pending pending = new Pending(topicNames.name(topic), key, value, promise);
    pending.headers = headers;
    enqueue(pending);
    return promise.future();
  }

  /** Records acknowledged by the broker. */
  public long published() {
    return published.get();
  }

  /** Records dropped because the buffer was full (or the publisher stopped): their futures fail with {@link RecordDroppedException}. */
  public long dropped() {
    return dropped.get();
  }

  /** Records the broker refused or did not acknowledge in time. */
  public long failed() {
    return failed.get();
  }

  public TopicNames topicNames() {
    return topicNames;
  }

  private void enqueue(Pending pending) {
    synchronized (buffer) {
      if (stopped || buffer.size() >= maxBufferedRecords) {
        dropped.incrementAndGet();
        if (pending.promise != null) {
          pending.promise.tryFail(
              new RecordDroppedException(
                  stopped
                      ? "publisher stopped"
                      : "publish buffer full (" + maxBufferedRecords + " records): Kafka is slow or unreachable"));
        }
        return;
      }
      buffer.add(pending);
      if (drainScheduled || waitingForDrain) {
        return;
      }
      drainScheduled = true;
    }
    context.runOnContext(v -> drain());
  }

  private void drain() {
    while (true) {
      Pending next;
      synchronized (buffer) {
        drainScheduled = false;
        if (producer.writeQueueFull()) {
          if (!waitingForDrain) {
            waitingForDrain = true;
            producer.drainHandler(v -> {
              synchronized (buffer) {
                waitingForDrain = false;
              }
              drain();
            });
          }
          return;
        }
        next = buffer.poll();
        if (next == null) {
          return;
        }
      }
      write(next);
    }
  }

  private void write(Pending pending) {
    KafkaProducerRecord<String, byte[]> record =
        KafkaProducerRecord.create(pending.topic, pending.key, pending.value);
    if (pending.headers != null) {
      pending.headers.forEach((name, bytes) -> record.addHeader(name, io.vertx.core.buffer.Buffer.buffer(bytes)));
    }
    producer
        .send(record)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                published.incrementAndGet();
                if (pending.promise != null) {
                  pending.promise.tryComplete();
                }
              } else {
                failed.incrementAndGet();
                LOG.warn("record to {} not acknowledged: {}", pending.topic, ar.cause().toString());
                if (pending.promise != null) {
                  pending.promise.tryFail(ar.cause());
                }
              }
            });
  }

  /** Flushes what the producer holds, fails what is still buffered, and closes the producer. */
  @Override
  public Future<Void> stop() {
    stopped = true;
    synchronized (buffer) {
      for (Pending pending : buffer) {
        dropped.incrementAndGet();
        if (pending.promise != null) {
          pending.promise.tryFail(new RecordDroppedException("publisher stopped"));
        }
      }
      buffer.clear();
    }
    return producer.flush().recover(e -> Future.succeededFuture()).compose(v -> producer.close(5000));
  }

  private static final class Pending {
    final String topic;
    final String key;
    final byte[] value;
    final Promise<Void> promise;
    Map<String, byte[]> headers;

    Pending(String topic, String key, byte[] value, Promise<Void> promise) {
      this.topic = topic;
      this.key = key;
      this.value = value;
      this.promise = promise;
    }
  }
}
