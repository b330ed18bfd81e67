package io.porthole.controller.view;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.proto.Alert;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link Views} by reading their topics from the beginning, every start, without a
 * consumer group (nothing is committed: the views are rebuilt from Kafka each time). The views have
 * caught up when every partition's position reached the end offset seen at start. Partitions that
 * appear later (topics created after the start) are picked up by a periodic refresh.
 */
public final class ViewLoader implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ViewLoader.class);
  private static final long CATCH_UP_CHECK_MS = 200;
  private static final long PARTITION_REFRESH_MS = 10_000;

  private final Vertx vertx;
  private final KafkaConsumer<String, byte[]> consumer;
  private final TopicNames topics;
  private final Views views;
  private final Consumer<Alert> liveAlerts;
  private final Set<TopicPartition> assigned = new HashSet<>();
  private final Map<TopicPartition, Long> startEndOffsets = new HashMap<>();
  private final Map<TopicPartition, Long> appliedNext = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Integer> passedWithoutRecords = new HashMap<>();
  private final AtomicLong recordsApplied = new AtomicLong();
  private final AtomicLong recordsUndecodable = new AtomicLong();
  private volatile boolean caughtUp;
  private long catchUpTimer = -1;
  private long refreshTimer = -1;
  private boolean checking;

  public ViewLoader(
      Vertx vertx,
      KafkaConsumer<String, byte[]> consumer,
      TopicNames topics,
      Views views,
      Consumer<Alert> liveAlerts) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.topics = Objects.requireNonNull(topics, "topics");
    this.views = Objects.requireNonNull(views, "views");
    this.liveAlerts = Objects.requireNonNull(liveAlerts, "liveAlerts");
  }

  /** A loader with its own group-less consumer. */
  public static ViewLoader create(
      Vertx vertx, KafkaSettings kafka, TopicNames topics, Views views, Consumer<Alert> liveAlerts) {
    Map<String, String> config = new HashMap<>(kafka.consumerConfig("porthole-controller-views", null));
    // Without a group nothing is committed, so every partition starts from its beginning (also
    // partitions assigned later); seeking explicitly would re-read what the first poll fetched.
    config.put("auto.offset.reset", "earliest");
    config.remove("group.id");
    KafkaConsumer<String, byte[]> consumer = KafkaConsumer.create(vertx, config, String.class, byte[].class);
    return new ViewLoader(vertx, consumer, topics, views, liveAlerts);
  }

  @Override
  public Future<Void> start() {
    consumer.handler(this::onRecord);
    consumer.exceptionHandler(e -> LOG.warn("view consumer: {}", e.toString()));
    return partitions()
        .compose(partitions -> assignNew(partitions))
        .compose(v -> consumer.endOffsets(new HashSet<>(assigned)))
        .onSuccess(
            ends -> {
              startEndOffsets.putAll(ends);
              LOG.info("rebuilding views from {} partitions up to {}", assigned.size(), ends);
              catchUpTimer = vertx.setPeriodic(0, CATCH_UP_CHECK_MS, id -> checkCaughtUp());
              refreshTimer = vertx.setPeriodic(PARTITION_REFRESH_MS, id -> refreshPartitions());
            })
        .mapEmpty();
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
    vertx.cancelTimer(catchUpTimer);
    vertx.cancelTimer(refreshTimer);
    return consumer.close();
  }

  private void onRecord(KafkaConsumerRecord<String, byte[]> record) {
    appliedNext.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
    Topic topic = topics.topicOf(record.topic()).orElse(null);
    if (topic == null) {
      return;
    }
    try {
      views.apply(topic, record.value()).ifPresent(alert -> {
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
            record.topic(), record.partition(), record.offset(), count, e.toString());
      }
    }
  }

  private Future<List<TopicPartition>> partitions() {
    List<Future<List<PartitionInfo>>> lookups = new ArrayList<>();
    for (Topic topic : Views.TOPICS) {
      lookups.add(consumer.partitionsFor(topics.name(topic)));
    }
    return Future.all(lookups)
        .map(
            all -> {
              List<TopicPartition> partitions = new ArrayList<>();
              for (int i = 0; i < all.size(); i++) {
                List<PartitionInfo> infos = all.resultAt(i);
                if (infos != null) {
                  infos.forEach(p -> partitions.add(new TopicPartition(p.getTopic(), p.getPartition())));
                }
              }
              return partitions;
            });
  }

  private Future<Void> assignNew(List<TopicPartition> partitions) {
    Set<TopicPartition> fresh = new HashSet<>(partitions);
    fresh.removeAll(assigned);
    if (fresh.isEmpty()) {
      return Future.succeededFuture();
    }
    assigned.addAll(fresh);
    return consumer.assign(new HashSet<>(assigned));
  }

  private void refreshPartitions() {
    partitions()
        .compose(this::assignNew)
        .onFailure(e -> LOG.warn("cannot refresh the views' partitions: {}", e.toString()));
  }

  /**
   * Caught up when every record below the start's end offsets has been applied. A partition whose
   * position passed its end offset without the last records arriving (transaction markers,
   * compaction) counts as reached after a few checks.
   */
  private void checkCaughtUp() {
    if (caughtUp || checking) {
      return;
    }
    List<TopicPartition> lagging = new ArrayList<>();
    startEndOffsets.forEach(
        (partition, end) -> {
          if (end > 0 && appliedNext.getOrDefault(partition, 0L) < end) {
            lagging.add(partition);
          }
        });
    if (lagging.isEmpty()) {
      views.onCaughtUp();
      caughtUp = true;
      vertx.cancelTimer(catchUpTimer);
      LOG.info("views caught up: {} records applied", recordsApplied.get());
      return;
    }
    checking = true;
    List<Future<Long>> positions = new ArrayList<>();
    lagging.forEach(p -> positions.add(consumer.position(p)));
    Future.join(positions)
        .onComplete(
            ar -> {
              checking = false;
              for (int i = 0; i < lagging.size(); i++) {
                Future<Long> position = positions.get(i);
                TopicPartition partition = lagging.get(i);
                if (position.succeeded() && position.result() >= startEndOffsets.get(partition)) {
                  if (passedWithoutRecords.merge(partition, 1, Integer::sum) >= 5) {
                    appliedNext.merge(partition, startEndOffsets.get(partition), Math::max);
                  }
                }
              }
            });
  }
}
