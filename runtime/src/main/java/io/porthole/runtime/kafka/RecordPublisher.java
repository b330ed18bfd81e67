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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes protobuf records to Kafka without ever blocking its caller.
 *
 * <p>Callers on any thread hand records over with {@link #publish} (fire and forget, optionally with
 * a {@link DeliveryListener}) or {@link #send} (a future completed on the caller's Vert.x context
 * when the broker acknowledged). Records wait in a bounded buffer until Kafka's producer takes them;
 * when the buffer is full (Kafka slow or unreachable: the producer's {@code buffer.memory} is full or
 * it waits for metadata), the record is dropped and counted in {@link #dropped()} (reported in
 * heartbeats and metrics), and a {@code send} fails with {@link RecordDroppedException}.
 *
 * <p>vertx-kafka-client creates and owns the producer (configuration, {@code flush}, {@code close}),
 * but records do not go through its {@code KafkaProducer#send}: that hands every record to a worker
 * with {@code executeBlocking} and completes it back on the context with {@code runOnContext}, two
 * thread hand-offs per record on top of this class's own buffer. In a JFR profile of the publishing
 * benchmark (bench/run --quick --only publishing, BENCH_JFR=1) that machinery took more samples than
 * Kafka's producer itself: 58 of 171 (worker task queue outside {@code send} 12, the event loop
 * running {@code drain}/{@code write} and completing futures 32, Kafka's I/O thread completing
 * Vert.x promises 14) against 41 in {@code KafkaProducer#send}. So one {@link BufferedSender}
 * thread drains the buffer in batches into the native producer ({@code KafkaProducer#unwrap()})
 * with a callback, as Kafka's {@code ProducerPerformance} does from its one thread (after the
 * change: 150 of that thread's 158 samples are in {@code KafkaProducer#send}, none on an event loop
 * or worker); outcomes are counted with atomics, and only records that carry a promise pay a hop
 * back to a context.
 */
public final class RecordPublisher implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(RecordPublisher.class);

  private final Context context;
  private final KafkaProducer<String, byte[]> producer;
  private final BufferedSender sender;
  private final TopicNames topicNames;
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  /**
   * @param producer the producer (in tests: {@code KafkaProducer.create(vertx, mockProducer)}); records
   *     go to its native producer ({@code unwrap()}), flush and close through it
   * @param maxBufferedRecords records held before Kafka's producer has taken them, before dropping
   */
  public RecordPublisher(
      Vertx vertx, KafkaProducer<String, byte[]> producer, TopicNames topicNames, int maxBufferedRecords) {
    this.context = Objects.requireNonNull(vertx, "vertx").getOrCreateContext();
    this.producer = Objects.requireNonNull(producer, "producer");
    this.topicNames = Objects.requireNonNull(topicNames, "topicNames");
    if (maxBufferedRecords < 1) {
      throw new IllegalArgumentException("maxBufferedRecords must be positive");
    }
    this.sender = new BufferedSender(producer.unwrap(), maxBufferedRecords);
  }

  /** A publisher with Porthole's reliable producer settings (idempotent, acks=all, lz4). */
  public static RecordPublisher create(
      Vertx vertx, KafkaSettings kafka, String clientId, TopicNames topicNames, int maxBufferedRecords) {
    Map<String, String> config = new HashMap<>(kafka.producerConfig(clientId));
    KafkaProducer<String, byte[]> producer = KafkaProducer.create(vertx, config, String.class, byte[].class);
    return new RecordPublisher(vertx, producer, topicNames, maxBufferedRecords);
  }

  /** Nothing to wait for: the sending thread starts with the first record. */
  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  /** Hands a record over; never blocks. Dropped (and counted) when the buffer is full or stopped. */
  public void publish(Topic topic, String key, MessageLite value) {
    offer(new Pending(new ProducerRecord<>(topicNames.name(topic), key, value.toByteArray()), null));
  }

  /**
   * Hands a record over and tells its outcome to {@code listener} (on the thread that decided it: see
   * {@link DeliveryListener}); never blocks. The way for hot paths that only count outcomes.
   */
  public void publish(Topic topic, String key, MessageLite value, DeliveryListener listener) {
    Objects.requireNonNull(listener, "listener");
    offer(new Pending(new ProducerRecord<>(topicNames.name(topic), key, value.toByteArray()), listener));
  }

  /** Hands a record over; the future completes (on the caller's context) when the broker acknowledged it. */
  public Future<Void> send(Topic topic, String key, MessageLite value) {
    PromiseOnContext promise = new PromiseOnContext(callerContext());
    offer(new Pending(new ProducerRecord<>(topicNames.name(topic), key, value.toByteArray()), promise));
    return promise.future();
  }

  /** Raw bytes to a topic (dead letters); acknowledged like {@link #send}. */
  public Future<Void> sendRaw(Topic topic, String key, byte[] value, Map<String, byte[]> headers) {
    List<Header> recordHeaders = new ArrayList<>();
    if (headers != null) {
      headers.forEach((name, bytes) -> recordHeaders.add(new RecordHeader(name, bytes)));
    }
    PromiseOnContext promise = new PromiseOnContext(callerContext());
    offer(new Pending(new ProducerRecord<>(topicNames.name(topic), null, key, value, recordHeaders), promise));
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

  private Context callerContext() {
    Context current = Vertx.currentContext();
    return current != null ? current : context;
  }

  private void offer(Pending pending) {
    if (!sender.offer(pending)) {
      pending.dropped(
          sender.stopped()
              ? "publisher stopped"
              : "publish buffer full (" + sender.capacity() + " records): Kafka is slow or unreachable");
    }
  }

  /**
   * Drops what is still buffered, lets the sending thread hand over its last record, then flushes
   * what the producer holds (so those records are acknowledged or failed) and closes it.
   */
  @Override
  public Future<Void> stop() {
    for (BufferedSender.Item left : sender.stop()) {
      left.dropped("publisher stopped");
    }
    return context
        .<Void>executeBlocking(() -> {
          sender.awaitEnd();
          return null;
        })
        .compose(v -> producer.flush())
        .recover(e -> Future.succeededFuture())
        .compose(v -> producer.close(5000));
  }

  /** One record on its way, counted once whatever its outcome, and who is told. */
  private final class Pending implements BufferedSender.Item {
    private final ProducerRecord<String, byte[]> record;
    private final DeliveryListener listener;

    Pending(ProducerRecord<String, byte[]> record, DeliveryListener listener) {
      this.record = record;
      this.listener = listener;
    }

    @Override
    public ProducerRecord<String, byte[]> record() {
      return record;
    }

    /** Called by Kafka's I/O thread (or the sending thread, when the producer refused the record). */
    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      if (exception == null) {
        published.incrementAndGet();
      } else {
        failed.incrementAndGet();
        LOG.warn("record to {} not acknowledged: {}", record.topic(), exception.toString());
      }
      tell(exception);
    }

    @Override
    public void dropped(String reason) {
      dropped.incrementAndGet();
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
