package io.porthole.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.porthole.controller.ControllerService;
import io.porthole.controller.TestKeys;
import io.porthole.proto.Alert;
import io.porthole.proto.Evidence;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.runtime.Settings;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Webhook outputs of a real controller, reading real alert records from Kafka, against a real HTTP
 * server: CloudEvents and Falco bodies with their headers, filters by severity and rule, retries
 * after 500 answers, and the bounded queue dropping the oldest waiting alert.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookOutputIT {

  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final String CONTAINER_ID = "e5".repeat(32);

  /** One request the server received. */
  record Received(String path, Map<String, String> headers, JsonObject body) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger flakyRequests = new AtomicInteger();
  private final Map<String, Integer> answered = new ConcurrentHashMap<>();
  private Vertx vertx;
  private HttpServer server;
  private ControllerService controller;
  private KafkaProducer<String, byte[]> producer;
  private TopicNames topics;

  private final Alert oomHigh =
      alert(Rule.OOM_KILLED, Severity.HIGH, "web-1 was killed by the OOM killer");
  private final Alert namespacesHigh =
      alert(Rule.HOST_NAMESPACES, Severity.HIGH, "web-1 shares the host's network");
  private final Alert oomLow =
      alert(Rule.OOM_KILLED, Severity.LOW, "web-1 lost a process to the OOM killer");

  @BeforeAll
  void start() throws Exception {
    topics = TopicNames.withPrefix(SharedKafka.uniqueTopic("hook") + ".");
    SharedKafka.createTopics(
        3,
        topics.names(
            Topic.CONTAINER_EVENTS,
            Topic.HEARTBEATS,
            Topic.ALERTS,
            Topic.COMMANDS,
            Topic.COMMAND_RESULTS));
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    // An alert from before the outputs existed: a new output does not send the topic's history.
    produce(alert(Rule.OOM_KILLED, Severity.CRITICAL, "an old alert"));

    vertx = Vertx.vertx();
    server = await(vertx.createHttpServer().requestHandler(this::receive).listen(0, "127.0.0.1"));
    String base = "http://127.0.0.1:" + server.actualPort();
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", SharedKafka.bootstrapServers());
    values.put("topic.prefix", topics.prefix());
    values.put("http.host", "127.0.0.1");
    values.put("http.port", "0");
    values.put("viewer.token", "viewer-token-0123456789");
    values.put("operator.token", "operator-token-0123456789");
    values.put("command.signing.key.file", TestKeys.SIGNING_FILE.toString());
    values.put("alerts.webhook.url", base + "/cloudevents");
    values.put("alerts.webhook.token", "hook-token-0123");
    values.put("alerts.webhook.sidekick.url", base + "/falco");
    values.put("alerts.webhook.sidekick.format", "falco");
    values.put("alerts.webhook.sidekick.header", "X-Api-Key: sidekick-key");
    values.put("alerts.webhook.pager.url", base + "/pager");
    values.put("alerts.webhook.pager.min.severity", "HIGH");
    values.put("alerts.webhook.pager.rules", "OOM_KILLED");
    values.put("alerts.webhook.flaky.url", base + "/flaky");
    values.put("alerts.webhook.flaky.rules", "OOM_KILLED");
    values.put("alerts.webhook.flaky.min.severity", "HIGH");
    values.put("alerts.webhook.flaky.backoff", "100ms");
    values.put("alerts.webhook.slow.url", base + "/slow");
    values.put("alerts.webhook.slow.queue.max", "1");
    values.put("alerts.webhook.refused.url", base + "/refused");
    values.put("alerts.webhook.refused.rules", "OOM_KILLED");
    values.put("alerts.webhook.refused.min.severity", "HIGH");
    controller = ControllerService.create(vertx, Settings.of(values));
    await(controller.start());
    eventually("the webhook outputs' partitions assigned", () -> controller.webhooks().assigned());

    // One key: one partition, so every output reads them in this order.
    produce(oomHigh);
    produce(namespacesHigh);
    produce(oomLow);
  }

  @AfterAll
  void stop() throws Exception {
    if (controller != null) {
      await(controller.stop());
    }
    if (producer != null) {
      producer.close();
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void cloudEventsArriveWithTheBearerTokenOncePerAlert() throws Exception {
    List<Received> events = eventuallyReceived("/cloudevents", 3);
    assertThat(events)
        .extracting(r -> r.body().getString("id"))
        .containsExactly(oomHigh.getAlertId(), namespacesHigh.getAlertId(), oomLow.getAlertId());
    Received first = events.get(0);
    assertThat(first.headers().get("authorization")).isEqualTo("Bearer hook-token-0123");
    assertThat(first.headers().get("content-type")).startsWith("application/cloudevents+json");
    JsonObject event = first.body();
    assertThat(event.getString("specversion")).isEqualTo("1.0");
    assertThat(event.getString("type")).isEqualTo("dev.porthole.alert.v1");
    assertThat(event.getString("source")).isEqualTo("porthole://host-a");
    assertThat(event.getString("subject")).isEqualTo("web-1");
    assertThat(event.getString("datacontenttype")).isEqualTo("application/json");
    assertThat(Instant.parse(event.getString("time")))
        .isEqualTo(Timestamps.toInstant(oomHigh.getPublishedAt()));
    assertThat(event.getJsonObject("data").getString("rule")).isEqualTo("OOM_KILLED");
    assertThat(
            event
                .getJsonObject("data")
                .getJsonArray("evidence")
                .getJsonObject(0)
                .getString("description"))
        .isEqualTo("die: exit code 137, OOMKilled=true");
    assertThat(counters("default").deliveredCount()).isEqualTo(3);
  }

  @Test
  void theGroupCommitsOnceEveryAlertIsDoneWith() throws Exception {
    // The partition holds the alert from before the start and the three: the commit reaches its end
    // once all three were delivered, given up or filtered.
    try (Admin admin = SharedKafka.admin()) {
      for (String output : List.of("default", "pager", "refused")) {
        String group = topics.prefix() + "porthole-controller-webhook-" + output;
        eventually(
            "group " + group + " committed to offset 4",
            () -> committed(admin, group),
            n -> n == 4);
      }
    }
  }

  @Test
  void theViewsAndEveryOutputReportTheirLagPerPartitionTaggedWithTheirClientId() {
    // Micrometer's Kafka binder:
    // kafka_consumer_fetch_manager_records_lag{client_id,partition,topic}
    // appears once the consumer fetched from the partition (the binder refreshes every 10 s).
    // (Kafka writes the topic tag with '_' for '.')
    String alerts = "topic=\"" + topics.name(Topic.ALERTS).replace('.', '_') + "\"";
    List<String> clients =
        List.of(
            "porthole-controller-views",
            topics.prefix() + "porthole-controller-webhook-default",
            topics.prefix() + "porthole-controller-webhook-pager");
    eventually(
        "the lag of every partition of the alerts topic, for " + clients,
        () -> PortholeMetrics.of(vertx).scrape(),
        text ->
            clients.stream()
                .allMatch(
                    client ->
                        text.lines()
                                .filter(
                                    l -> l.startsWith("kafka_consumer_fetch_manager_records_lag{"))
                                .filter(l -> l.contains("client_id=\"" + client + "\""))
                                .filter(l -> l.contains(alerts))
                                .filter(l -> l.contains("partition=\""))
                                .count()
                            == 3));
  }

  private static long committed(Admin admin, String group) {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      return offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void falcoPayloadsArriveWithTheConfiguredHeader() throws Exception {
    List<Received> payloads = eventuallyReceived("/falco", 3);
    Received first = payloads.get(0);
    assertThat(first.headers().get("x-api-key")).isEqualTo("sidekick-key");
    assertThat(first.headers().get("authorization")).isNull();
    assertThat(first.headers().get("content-type")).startsWith("application/json");
    JsonObject falco = first.body();
    assertThat(falco.getString("rule")).isEqualTo("OOM_KILLED");
    assertThat(falco.getString("priority")).isEqualTo("Error");
    assertThat(falco.getString("output"))
        .contains("web-1 was killed by the OOM killer")
        .contains("container=web-1");
    assertThat(falco.getString("time"))
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");
    assertThat(falco.getJsonObject("output_fields").getString("container.id"))
        .isEqualTo(CONTAINER_ID);
    assertThat(falco.getJsonObject("output_fields").getString("container.image"))
        .isEqualTo("porthole/busybox:test");
    assertThat(payloads.get(2).body().getString("priority")).isEqualTo("Notice");
  }

  @Test
  void severityAndRuleFiltersSendOnlyWhatMatches() throws Exception {
    List<Received> paged = eventuallyReceived("/pager", 1);
    assertThat(paged.get(0).body().getString("id")).isEqualTo(oomHigh.getAlertId());
    eventually(
        "two alerts filtered by pager", () -> counters("pager").filteredCount(), n -> n == 2);
    // Every alert is done with (the last one filtered) and nothing more was sent.
    assertThat(received("/pager")).hasSize(1);
    assertThat(counters("pager").deliveredCount()).isEqualTo(1);
  }

  @Test
  void anEndpointAnswering500TwiceGetsTheAlertOnceAfterRetries() throws Exception {
    eventually(
        "one alert delivered to flaky", () -> counters("flaky").deliveredCount(), n -> n == 1);
    assertThat(received("/flaky"))
        .hasSize(3)
        .allSatisfy(r -> assertThat(r.body().getString("id")).isEqualTo(oomHigh.getAlertId()));
    assertThat(answered).containsEntry("/flaky 200", 1).containsEntry("/flaky 500", 2);
    assertThat(counters("flaky").retryCount()).isEqualTo(2);
    assertThat(counters("flaky").failedCount()).isZero();
  }

  @Test
  void aRefusedRequestIsNotRetried() throws Exception {
    eventually("one alert failed at refused", () -> counters("refused").failedCount(), n -> n == 1);
    assertThat(received("/refused")).hasSize(1);
    assertThat(counters("refused").retryCount()).isZero();
  }

  @Test
  void aFullQueueDropsTheOldestWaitingAlert() throws Exception {
    // The first alert is under way (the server answers after a second), the second waits, the
    // third takes its place.
    eventually(
        "three alerts delivered or dropped by slow",
        () -> counters("slow").deliveredCount() + counters("slow").droppedCount(),
        n -> n == 3);
    assertThat(counters("slow").droppedCount()).isEqualTo(1);
    assertThat(received("/slow"))
        .extracting(r -> r.body().getString("id"))
        .containsExactly(oomHigh.getAlertId(), oomLow.getAlertId());
  }

  private void receive(HttpServerRequest request) {
    request
        .body()
        .onSuccess(
            body -> {
              Map<String, String> headers = new HashMap<>();
              request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
              received.add(new Received(request.path(), headers, body.toJsonObject()));
              int status =
                  switch (request.path()) {
                    case "/flaky" -> flakyRequests.incrementAndGet() <= 2 ? 500 : 200;
                    case "/refused" -> 400;
                    default -> 200;
                  };
              answered.merge(request.path() + " " + status, 1, Integer::sum);
              long delay = request.path().equals("/slow") ? 1_000 : 1;
              vertx.setTimer(delay, id -> request.response().setStatusCode(status).end());
            });
  }

  private List<Received> received(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  private List<Received> eventuallyReceived(String path, int count) throws InterruptedException {
    eventually(
        count + " requests received at " + path, () -> received(path), r -> r.size() >= count);
    return received(path);
  }

  private WebhookCounters counters(String output) {
    return controller.webhooks().counters().stream()
        .filter(c -> c.output().equals(output))
        .findFirst()
        .orElseThrow();
  }

  private static Alert alert(Rule rule, Severity severity, String title) {
    return Alert.newBuilder()
        .setAlertId("alert-" + UUID.randomUUID())
        .setRule(rule)
        .setSeverity(severity)
        .setTitle(title)
        .setHostId("host-a")
        .setContainerId(CONTAINER_ID)
        .setContainerName("web-1")
        .setImage("porthole/busybox:test")
        .addEvidence(Evidence.newBuilder().setDescription("die: exit code 137, OOMKilled=true"))
        .setLastSeen(Timestamps.now())
        .setPublishedAt(Timestamps.now())
        .build();
  }

  private void produce(Alert alert) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topics.name(Topic.ALERTS), "host-a/" + CONTAINER_ID, alert.toByteArray()))
        .get(30, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future
        .toCompletionStage()
        .toCompletableFuture()
        .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
  }

  private static void eventually(String what, Supplier<Boolean> condition) {
    Await.until(what, DEADLINE, Duration.ofMillis(100), condition::get);
  }

  /** Polls {@code probe} until its value is {@code wanted}; a failure names the last value. */
  private static <T> void eventually(String what, Callable<T> probe, Predicate<T> wanted) {
    Await.value(what, DEADLINE, Duration.ofMillis(100), probe, wanted);
  }
}
