package io.porthole.controller.view;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.kafka.RecordConsumer;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.runtime.ops.Readiness;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link Views} by reading their topics from the beginning, every start, through the
 * shared {@link RecordConsumer} without a consumer group (nothing is committed: the views are
 * rebuilt from Kafka each time). The views have caught up when every record below the end offsets
 * seen at start was applied; from then on, new alerts also go to the live alert stream. Partitions
 * that appear later (topics created after the start) are picked up by the consumer's refresh.
 */
public final class ViewLoader implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ViewLoader.class);
  private static final String CLIENT_ID = "porthole-controller-views";
  private static final Duration PARTITION_REFRESH = Duration.ofSeconds(10);

  /**
   * How long the consumer may go without completing a poll before the views are not ready. It polls
   * every 100 ms whether or not there is anything to read, so a minute without one means its loop
   * is stuck (as the analyzer's {@code consuming} and every publisher's {@code producing} checks).
   */
  public static final Duration POLL_LIMIT = Duration.ofSeconds(60);

  /** Applying a record is synchronous: this bounds one fetch, not concurrent work. */
  private static final int MAX_IN_FLIGHT = 10_000;

  private final TopicNames topics;
  private final Views views;
  private final Consumer<RenderedAlert> liveAlerts;
  private final RecordConsumer<String, byte[]> records;
  private final AtomicLong recordsApplied = new AtomicLong();
  private final AtomicLong recordsUndecodable = new AtomicLong();
  private volatile boolean caughtUp;

  /**
   * @param consumer without a group id, reset to the earliest offset, created on the caller's
   *     context
   */
  public ViewLoader(
      Vertx vertx,
      KafkaConsumer<String, byte[]> consumer,
      TopicNames topics,
      Views views,
      Consumer<RenderedAlert> liveAlerts) {
    this.topics = Objects.requireNonNull(topics, "topics");
    this.views = Objects.requireNonNull(views, "views");
    this.liveAlerts = Objects.requireNonNull(liveAlerts, "liveAlerts");
    Set<String> names = Views.TOPICS.stream().map(topics::name).collect(Collectors.toSet());
    RecordConsumer.Options options =
        new RecordConsumer.Options(
            CLIENT_ID, names, MAX_IN_FLIGHT, Duration.ofSeconds(1), Duration.ofSeconds(1));
    this.records =
        RecordConsumer.fromBeginning(vertx, consumer, options, this::apply, PARTITION_REFRESH);
  }

  /** A loader with its own group-less consumer. */
  public static ViewLoader create(
      Vertx vertx,
      KafkaSettings kafka,
      TopicNames topics,
      Views views,
      Consumer<RenderedAlert> liveAlerts) {
    Map<String, String> config = new HashMap<>(kafka.consumerConfig(CLIENT_ID, null));
    config.put("auto.offset.reset", "earliest");
    config.remove("group.id");
    KafkaConsumer<String, byte[]> consumer =
        KafkaConsumer.create(vertx, config, String.class, byte[].class);
    return new ViewLoader(vertx, consumer, topics, views, liveAlerts);
  }

  @Override
  public Future<Void> start() {
    return records
        .start()
        .onSuccess(
            v ->
                records
                    .caughtUp()
                    .onSuccess(
                        done -> {
                          views.onCaughtUp();
                          caughtUp = true;
                          LOG.info("views caught up: {} records applied", recordsApplied.get());
                        }));
  }

  /**
   * Reports the consumer's own metrics ({@code kafka_consumer_*}, lag per partition, client id
   * {@value #CLIENT_ID}) in {@code metrics} until stop; before {@link #start}.
   */
  public ViewLoader bindMetrics(PortholeMetrics metrics) {
    records.bindMetrics(metrics);
    return this;
  }

  /**
   * The {@code views} readiness check: ready once the views caught up and while the consumer keeps
   * polling (within {@link #POLL_LIMIT}).
   */
  public Supplier<Readiness.Status> progress() {
    return progress(this::caughtUp, records::lastPollNanos, POLL_LIMIT, System::nanoTime);
  }

  /**
   * Ready when {@code caughtUp} and the last completed poll ({@link System#nanoTime()} units, -1:
   * none) is at most {@code limit} before {@code clock}'s now; down while loading, and when the
   * consumer stopped polling after catching up.
   */
  public static Supplier<Readiness.Status> progress(
      BooleanSupplier caughtUp, LongSupplier lastPollNanos, Duration limit, LongSupplier clock) {
    Supplier<Readiness.Status> polled = Readiness.recent("polled", lastPollNanos, limit, clock);
    return () -> {
      if (!caughtUp.getAsBoolean()) {
        return Readiness.Status.down("loading from the topics");
      }
      Readiness.Status polling = polled.get();
      return new Readiness.Status(polling.ready(), "caught up, " + polling.detail());
    };
  }

  /** Every partition has been read up to the end offset it had when the loader started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  public long recordsApplied() {
    return recordsApplied.get();
  }

  public long recordsUndecodable() {
    return recordsUndecodable.get();
  }

  @Override
  public Future<Void> stop() {
    return records.stop();
  }

  /** Applies one record; one that cannot be read is counted and skipped (a view is not a queue). */
  private Future<Void> apply(ConsumerRecord<String, byte[]> record) {
    Topic topic = topics.topicOf(record.topic()).orElse(null);
    if (topic == null) {
      return Future.succeededFuture();
    }
    try {
      views
          .apply(topic, record.value())
          .ifPresent(
              alert -> {
                if (caughtUp) {
                  liveAlerts.accept(alert);
                }
              });
      recordsApplied.incrementAndGet();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      long count = recordsUndecodable.incrementAndGet();
      if (count <= 10 || count % 1000 == 0) {
        LOG.warn(
            "skipped undecodable record {}-{}@{} ({} so far): {}",
            record.topic(),
            record.partition(),
            record.offset(),
            count,
            e.toString());
      }
    }
    return Future.succeededFuture();
  }
}
