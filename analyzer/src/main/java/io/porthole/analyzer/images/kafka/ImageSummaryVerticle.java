package io.porthole.analyzer.images.kafka;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.images.ImageSummaryBuilder;
import io.porthole.analyzer.images.ImagesConfig;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.ImageSummary;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.wire.ProtobufDeserializer;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first per-image stage: reads container events and syscall batches as the group {@code
 * analyzer.images.summary.group.id} (co-partitioned by container, like the analyzer) and every
 * heartbeat, folds them into an {@link ImageSummaryBuilder}, and publishes the summaries that
 * changed every {@code analyzer.images.publish.interval} to {@code porthole.image-summaries.v1},
 * keyed by image id so that one consumer of the next stage sees every host of an image.
 */
final class ImageSummaryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ImageSummaryVerticle.class);
  private static final int EXPIRE_EVERY_TICKS = 10;

  private final AnalyzerConfig analyzer;
  private final ImagesConfig config;
  private final PortholeMetrics metrics;
  private final ImageSummaryBuilder builder;
  private final ProtobufDeserializer<EventEnvelope> events = ProtobufDeserializer.events();
  private final ProtobufDeserializer<CollectorHeartbeat> heartbeats =
      ProtobufDeserializer.heartbeats();
  private WindowedConsumer eventConsumer;
  private WindowedConsumer heartbeatConsumer;
  private RecordPublisher publisher;
  private long timer = -1;
  private long ticks;
  private long undecodable;

  ImageSummaryVerticle(AnalyzerConfig analyzer, ImagesConfig config, PortholeMetrics metrics) {
    this.analyzer = Objects.requireNonNull(analyzer, "analyzer");
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.builder = new ImageSummaryBuilder(config.limits());
  }

  @Override
  public Future<?> start() {
    TopicNames names = analyzer.topicNames();
    String clientId = analyzer.clientId() + "-image-summaries";
    publisher =
        RecordPublisher.create(vertx, analyzer.kafka(), clientId, names, analyzer.publishBuffer());
    Map<String, String> eventConfig =
        new HashMap<>(analyzer.kafka().consumerConfig(clientId, config.summaryGroupId()));
    // Co-partitioning only helps if partition N of both topics goes to the same instance.
    eventConfig.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    eventConsumer =
        WindowedConsumer.group(
                KafkaConsumer.create(vertx, eventConfig, String.class, byte[].class),
                Set.of(names.names(Topic.CONTAINER_EVENTS, Topic.SYSCALLS)),
                config.limits().window(),
                builder::reset,
                this::onEvent)
            .bindMetrics(metrics);
    heartbeatConsumer =
        WindowedConsumer.allPartitions(
                KafkaConsumer.create(
                    vertx,
                    analyzer.kafka().consumerConfig(clientId + "-hosts", null),
                    String.class,
                    byte[].class),
                names.name(Topic.HEARTBEATS),
                config.limits().window(),
                this::onHeartbeat)
            .bindMetrics(metrics);
    return publisher
        .start()
        .compose(v -> heartbeatConsumer.start())
        .compose(v -> eventConsumer.start())
        .onSuccess(
            v ->
                timer =
                    vertx.setPeriodic(config.publishInterval().toMillis(), id -> publishChanged()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return eventConsumer.stop().eventually(heartbeatConsumer::stop).eventually(publisher::stop);
  }

  private void onEvent(KafkaConsumerRecord<String, byte[]> record) {
    try {
      EventEnvelope event = events.deserialize(record.topic(), record.value());
      if (event.hasContainerEvent()) {
        builder.onContainerEvent(event, record.partition());
      } else if (event.hasSyscalls()) {
        builder.onSyscalls(event, record.partition());
      }
    } catch (RuntimeException e) {
      // The analyzer's own consumer dead-letters undecodable records; here they are only counted.
      undecodable++;
    }
  }

  private void onHeartbeat(KafkaConsumerRecord<String, byte[]> record) {
    try {
      builder.onHeartbeat(heartbeats.deserialize(record.topic(), record.value()));
    } catch (RuntimeException e) {
      undecodable++;
    }
  }

  /**
   * Summaries are whole snapshots: one lost to a failed send is replaced by the next change of that
   * image on that host, so a failure is logged rather than retried.
   */
  private void publishChanged() {
    Instant now = Instant.now();
    if (++ticks % EXPIRE_EVERY_TICKS == 0) {
      builder.expire(now);
    }
    for (ImageSummary summary : builder.drainChanged(now)) {
      publisher
          .send(Topic.IMAGE_SUMMARIES, summary.getImageId(), summary)
          .onFailure(
              e ->
                  LOG.warn(
                      "image summary of {} on {} not published: {} (undecodable records "
                          + "so far: {})",
                      summary.getImageId(),
                      summary.getHostId(),
                      e.toString(),
                      undecodable));
    }
  }
}
