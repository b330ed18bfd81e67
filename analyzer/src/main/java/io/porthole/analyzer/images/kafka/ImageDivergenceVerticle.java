package io.porthole.analyzer.images.kafka;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.images.HostDivergenceRule;
import io.porthole.analyzer.images.ImagesConfig;
import io.porthole.proto.Alert;
import io.porthole.proto.ImageSummary;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.wire.ProtobufDeserializer;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second per-image stage: reads {@code porthole.image-summaries.v1} as the group {@code
 * analyzer.images.group.id}, feeds every summary to the {@link HostDivergenceRule} and publishes
 * its alerts. Alerts are control records: a send the broker did not acknowledge is retried until it
 * is, or until stop.
 */
final class ImageDivergenceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ImageDivergenceVerticle.class);
  private static final long RETRY_DELAY_MS = 1000;

  private final AnalyzerConfig analyzer;
  private final ImagesConfig config;
  private final PortholeMetrics metrics;
  private final HostDivergenceRule rule;
  private final ProtobufDeserializer<ImageSummary> summaries =
      ProtobufDeserializer.imageSummaries();
  private WindowedConsumer consumer;
  private RecordPublisher publisher;
  private volatile boolean stopped;

  ImageDivergenceVerticle(AnalyzerConfig analyzer, ImagesConfig config, PortholeMetrics metrics) {
    this.analyzer = Objects.requireNonNull(analyzer, "analyzer");
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.rule = new HostDivergenceRule(config.rule());
  }

  @Override
  public Future<?> start() {
    String clientId = analyzer.clientId() + "-images";
    publisher =
        RecordPublisher.create(
            vertx, analyzer.kafka(), clientId, analyzer.topicNames(), analyzer.publishBuffer());
    consumer =
        WindowedConsumer.group(
                KafkaConsumer.create(
                    vertx,
                    analyzer.kafka().consumerConfig(clientId, config.groupId()),
                    String.class,
                    byte[].class),
                Set.of(analyzer.topicNames().name(Topic.IMAGE_SUMMARIES)),
                config.rule().window(),
                rule::reset,
                this::onSummary)
            .bindMetrics(metrics);
    return publisher.start().compose(v -> consumer.start());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return consumer.stop().eventually(publisher::stop);
  }

  private void onSummary(KafkaConsumerRecord<String, byte[]> record) {
    ImageSummary summary;
    try {
      summary = summaries.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      LOG.warn(
          "skipping undecodable image summary {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      return;
    }
    for (Alert alert : rule.onSummary(summary, Instant.now())) {
      Alert stamped = alert.toBuilder().setPublishedAt(Timestamps.now()).build();
      String key =
          stamped.getContainerId().isEmpty()
              ? stamped.getHostId()
              : stamped.getHostId() + "/" + stamped.getContainerId();
      sendUntilAcknowledged(key, stamped);
    }
  }

  private Future<Void> sendUntilAcknowledged(String key, Alert alert) {
    return publisher
        .send(Topic.ALERTS, key, alert)
        .recover(
            e -> {
              if (stopped) {
                return Future.failedFuture(e);
              }
              LOG.warn(
                  "HOST_DIVERGENCE alert {} not acknowledged ({}); retrying in {} ms",
                  alert.getAlertId(),
                  e.toString(),
                  RETRY_DELAY_MS);
              Promise<Void> retried = Promise.promise();
              vertx.setTimer(
                  RETRY_DELAY_MS, id -> sendUntilAcknowledged(key, alert).onComplete(retried));
              return retried.future();
            });
  }
}
