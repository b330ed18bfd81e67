package io.porthole.controller.webhook;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.proto.Alert;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.kafka.RecordConsumer;
import io.porthole.runtime.ops.PortholeMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One webhook output on its own event loop: a member of the consumer group {@code
 * porthole-controller-webhook-NAME} (after the topic prefix, so that suites sharing a broker do not
 * share it) on the alerts topic, handing each alert to its {@link WebhookSender}; a record is
 * committed once its alert was delivered, given up, dropped or filtered.
 *
 * <p>A group that has committed nothing yet (a new output) starts at the alerts published since
 * this output started, not at the topic's history: a new endpoint is not flooded with old alerts,
 * and an alert raised while the group forms is not missed.
 */
final class WebhookOutputVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookOutputVerticle.class);
  private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
  private static final Duration STOP_DRAIN = Duration.ofSeconds(2);

  private final WebhookSettings settings;
  private final KafkaSettings kafka;
  private final String topic;
  private final String groupId;
  private final WebhookCounters counters;
  private final long startedAtMillis = System.currentTimeMillis();
  private RecordConsumer<String, byte[]> consumer;
  private WebhookSender sender;
  private WebClient client;
  private volatile boolean assigned;
  private volatile int queued;

  WebhookOutputVerticle(
      WebhookSettings settings,
      KafkaSettings kafka,
      String topic,
      String groupId,
      WebhookCounters counters) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.kafka = Objects.requireNonNull(kafka, "kafka");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.groupId = Objects.requireNonNull(groupId, "groupId");
    this.counters = Objects.requireNonNull(counters, "counters");
  }

  @Override
  public Future<?> start() {
    client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()))
                .setFollowRedirects(false)
                .setUserAgentEnabled(false));
    sender = new WebhookSender(vertx, client, settings, counters);
    String name = groupId;
    // Room for the whole queue and the request under way, and more: when the queue is full the
    // oldest alert is dropped rather than the consumer paused, so the output keeps up with the
    // topic.
    int maxInFlight = settings.queueMax() + 16;
    consumer =
        RecordConsumer.forRecords(
            vertx,
            KafkaConsumer.create(
                vertx, kafka.consumerConfig(name, name), String.class, byte[].class),
            new RecordConsumer.Options(
                name, Set.of(topic), maxInFlight, COMMIT_INTERVAL, STOP_DRAIN),
            this::handle,
            new RecordConsumer.Rebalance<>() {
              @Override
              public Future<Void> assigned(RecordConsumer.Assignment<String, byte[]> assignment) {
                return startNewPartitions(assignment).onComplete(ar -> assigned = true);
              }
            });
    // kafka_consumer_* tagged client_id=NAME (lag per partition), removed when the consumer stops
    consumer.bindMetrics(PortholeMetrics.of(vertx));
    return consumer.start().onSuccess(v -> LOG.info("alert output started: {}", settings));
  }

  @Override
  public Future<?> stop() {
    sender.close();
    return consumer
        .stop()
        .eventually(
            () -> {
              client.close();
              return Future.succeededFuture();
            });
  }

  /** The group has been assigned its partitions at least once (alerts from now on are sent). */
  boolean assigned() {
    return assigned;
  }

  int queued() {
    return queued;
  }

  private Future<Void> handle(ConsumerRecord<String, byte[]> record) {
    Alert alert;
    try {
      alert = Alert.parseFrom(record.value());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      counters.undecodable();
      return Future.succeededFuture();
    }
    Future<Void> done = sender.send(alert);
    queued = sender.queued();
    return done.onComplete(ar -> queued = sender.queued());
  }

  /**
   * Positions partitions without a committed offset at the first alert published since the start.
   */
  private Future<Void> startNewPartitions(RecordConsumer.Assignment<String, byte[]> assignment) {
    List<Future<Void>> seeks = new ArrayList<>();
    KafkaConsumer<String, byte[]> kafkaConsumer = assignment.consumer();
    for (org.apache.kafka.common.TopicPartition partition : assignment.partitions()) {
      if (assignment.committed().containsKey(partition)) {
        continue;
      }
      TopicPartition tp = new TopicPartition(partition.topic(), partition.partition());
      seeks.add(
          kafkaConsumer
              .offsetsForTimes(tp, startedAtMillis)
              .compose(
                  offset -> {
                    return offset == null
                        ? kafkaConsumer
                            .seekToEnd(tp)
                            .compose(v -> kafkaConsumer.position(tp))
                            .<Void>mapEmpty()
                        : kafkaConsumer.seek(tp, offset.getOffset());
                  }));
    }
    return Future.all(seeks).mapEmpty();
  }
}
