package io.porthole.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.porthole.proto.Alert;
import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.CollectorCounters;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.NetworkAttachment;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.runtime.Settings;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.runtime.security.CommandVerifier;
import io.porthole.testing.Await;
import io.porthole.testing.SharedKafka;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The controller against a real Kafka broker and a real HTTP client: security, validation against
 * the OpenAPI document, views built from the topics (and rebuilt after a restart), the alert
 * stream, and remediation commands and results.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerApiIT {

  private static final String VIEWER = "viewer-token-0123456789";
  private static final String OPERATOR = "operator-token-0123456789";
  private static final String HOST_A = "host-a";
  private static final String HOST_B = "host-b";
  private static final String WEB_ID = "a1".repeat(32);
  private static final String HOSTNET_ID = "b2".repeat(32);
  private static final String DUP_A_ID = "c3".repeat(32);
  private static final String DUP_B_ID = "d4".repeat(32);
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private Vertx vertx;
  private WebClient client;
  private TopicNames topics;
  private Settings settings;
  private ControllerService controller;
  private KafkaProducer<String, byte[]> producer;
  private RemediationCommand isolation;

  @BeforeAll
  void startController() throws Exception {
    topics = TopicNames.withPrefix(SharedKafka.uniqueTopic("ctl") + ".");
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
    produce(Topic.HEARTBEATS, HOST_A, heartbeat(HOST_A));
    produce(Topic.HEARTBEATS, HOST_B, heartbeat(HOST_B));
    produce(
        Topic.CONTAINER_EVENTS,
        HOST_A + "/" + WEB_ID,
        containerEvent(HOST_A, WEB_ID, "web-1", "bridge", "172.17.0.2"));
    produce(
        Topic.CONTAINER_EVENTS,
        HOST_A + "/" + HOSTNET_ID,
        containerEvent(HOST_A, HOSTNET_ID, "hostnet-1", "host", ""));
    produce(
        Topic.CONTAINER_EVENTS,
        HOST_A + "/" + DUP_A_ID,
        containerEvent(HOST_A, DUP_A_ID, "dup", "bridge", "172.17.0.3"));
    produce(
        Topic.CONTAINER_EVENTS,
        HOST_B + "/" + DUP_B_ID,
        containerEvent(HOST_B, DUP_B_ID, "dup", "bridge", "172.17.0.2"));
    // Not protobuf at all (wire type 7 does not exist): skipped and counted, never fatal.
    producer
        .send(new ProducerRecord<>(topics.name(Topic.ALERTS), HOST_A, new byte[] {0x0f, 0x00}))
        .get();
    producer
        .send(
            new ProducerRecord<>(
                topics.name(Topic.CONTAINER_EVENTS), HOST_A + "/x", new byte[] {0x0f, 0x00}))
        .get();
    producer.flush();

    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    settings =
        Settings.of(
            Map.of(
                "kafka.bootstrap.servers",
                SharedKafka.bootstrapServers(),
                "topic.prefix",
                topics.prefix(),
                "http.host",
                "127.0.0.1",
                "http.port",
                "0",
                "viewer.token",
                VIEWER,
                "operator.tokens",
                "alice:" + OPERATOR,
                "command.signing.key.file",
                TestKeys.SIGNING_FILE.toString(),
                "command.ttl",
                "60s",
                "http.body.limit",
                "4096"));
    controller = startNewController();
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
  @Order(1)
  void healthNeedsNoTokenAndReportsReady() throws Exception {
    assertThat(await(get("/health/live", null).send()).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> ready = await(get("/health/ready", null).send());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getString("views"))
        .matches("caught up, polled \\d+\\.\\d s ago");
    HttpResponse<Buffer> metrics = await(get("/metrics", null).send());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.bodyAsString())
        .contains("porthole_controller_view_containers 4.0")
        .contains("porthole_controller_records_undecodable_total 2.0");

    // The old alerts page is gone: its address and the root lead to the console.
    for (String path : List.of("/", "/index.html")) {
      HttpResponse<Buffer> page = await(get(path, null).followRedirects(false).send());
      assertThat(page.statusCode()).as(path).isEqualTo(302);
      assertThat(page.getHeader("Location")).as(path).isEqualTo("/ui/");
    }
    HttpResponse<Buffer> console = await(get("/ui/", null).send());
    assertThat(console.statusCode()).isEqualTo(200);
    assertThat(console.getHeader("Content-Type")).startsWith("text/html");
  }

  @Test
  @Order(2)
  void missingOrWrongTokenIs401AndViewerCannotRemediate() throws Exception {
    HttpResponse<Buffer> none = await(get("/api/v1/hosts", null).send());
    assertError(none, 401, "UNAUTHORIZED");
    assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertError(await(get("/api/v1/alerts", "not-a-token-at-all-xx").send()), 401, "UNAUTHORIZED");
    assertError(
        await(get("/api/v1/remediations", VIEWER.substring(1)).send()), 401, "UNAUTHORIZED");

    HttpResponse<Buffer> viewerPost =
        await(post("/api/v1/remediations", VIEWER).sendJsonObject(isolate("web-1")));
    assertError(viewerPost, 403, "FORBIDDEN");
    assertThat(await(get("/api/v1/hosts", VIEWER).send()).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void openApiDocumentIsServedAndRequestsViolatingItAre400NamingTheField() throws Exception {
    HttpResponse<Buffer> document = await(get("/api/v1/openapi.yaml", null).send());
    assertThat(document.statusCode()).isEqualTo(200);
    assertThat(document.bodyAsString())
        .startsWith("openapi: 3.1.0")
        .contains("/api/v1/remediations/{id}/artifact");

    JsonObject wrongType = isolate("web-1").put("ttlSeconds", "soon");
    HttpResponse<Buffer> typed =
        await(post("/api/v1/remediations", OPERATOR).sendJsonObject(wrongType));
    assertError(typed, 400, "INVALID_REQUEST");
    assertThat(typed.bodyAsJsonObject().getString("message")).startsWith("ttlSeconds");

    HttpResponse<Buffer> badAction =
        await(
            post("/api/v1/remediations", OPERATOR)
                .sendJsonObject(isolate("web-1").put("action", "REBOOT")));
    assertError(badAction, 400, "INVALID_REQUEST");
    assertThat(badAction.bodyAsJsonObject().getString("message")).startsWith("action");

    HttpResponse<Buffer> unknownField =
        await(
            post("/api/v1/remediations", OPERATOR)
                .sendJsonObject(isolate("web-1").put("force", true)));
    assertError(unknownField, 400, "INVALID_REQUEST");
    assertThat(unknownField.bodyAsJsonObject().getString("message")).contains("force");

    HttpResponse<Buffer> badLimit = await(get("/api/v1/alerts?limit=5000", VIEWER).send());
    assertError(badLimit, 400, "INVALID_REQUEST");
    assertThat(badLimit.bodyAsJsonObject().getString("message")).contains("limit");

    HttpResponse<Buffer> badSeverity =
        await(get("/api/v1/alerts?severity=APOCALYPTIC", VIEWER).send());
    assertError(badSeverity, 400, "INVALID_REQUEST");
    assertThat(badSeverity.bodyAsJsonObject().getString("message")).contains("severity");

    HttpResponse<Buffer> semantic =
        await(
            post("/api/v1/remediations", OPERATOR)
                .sendJsonObject(
                    new JsonObject()
                        .put("action", "CAPTURE_PACKETS")
                        .put("container", "web-1")
                        .put("reason", "r")));
    assertError(semantic, 400, "INVALID_REQUEST");
    assertThat(semantic.bodyAsJsonObject().getString("message")).startsWith("durationSeconds");
  }

  @Test
  @Order(4)
  void unknownTargetsAre404TooLargeBodiesAre413UnsafeAndAmbiguousAre409() throws Exception {
    assertError(
        await(post("/api/v1/remediations", OPERATOR).sendJsonObject(isolate("no-such-container"))),
        404,
        "CONTAINER_NOT_FOUND");
    assertError(
        await(
            post("/api/v1/remediations", OPERATOR)
                .sendJsonObject(isolate("web-1").put("hostId", "host-z"))),
        404,
        "HOST_NOT_FOUND");
    assertError(
        await(get("/api/v1/remediations/does-not-exist", VIEWER).send()),
        404,
        "REMEDIATION_NOT_FOUND");
    assertError(await(get("/api/v1/nothing-here", VIEWER).send()), 404, "NOT_FOUND");

    JsonObject huge = isolate("web-1").put("reason", "x".repeat(8_000));
    assertError(
        await(post("/api/v1/remediations", OPERATOR).sendJsonObject(huge)), 413, "BODY_TOO_LARGE");

    HttpResponse<Buffer> hostNetwork =
        await(post("/api/v1/remediations", OPERATOR).sendJsonObject(isolate("hostnet-1")));
    assertError(hostNetwork, 409, "UNSAFE_REMEDIATION");
    assertThat(hostNetwork.bodyAsJsonObject().getString("message")).contains("'host'");

    HttpResponse<Buffer> ambiguous =
        await(post("/api/v1/remediations", OPERATOR).sendJsonObject(isolate("dup")));
    assertError(ambiguous, 409, "AMBIGUOUS_CONTAINER");
    assertThat(ambiguous.bodyAsJsonObject().getString("message")).contains(HOST_A).contains(HOST_B);

    HttpResponse<Buffer> extractWithoutHost =
        await(
            post("/api/v1/remediations", OPERATOR)
                .sendJsonObject(
                    new JsonObject()
                        .put("action", "EXTRACT_FILE")
                        .put("image", "busybox")
                        .put("path", "/bin/busybox")
                        .put("reason", "r")));
    assertError(extractWithoutHost, 400, "INVALID_REQUEST");
    assertThat(extractWithoutHost.bodyAsJsonObject().getString("message")).startsWith("hostId");
  }

  @Test
  @Order(5)
  void hostsAndContainersComeFromTheTopics() throws Exception {
    JsonArray hosts =
        await(get("/api/v1/hosts", VIEWER).send()).bodyAsJsonObject().getJsonArray("hosts");
    assertThat(hosts.stream().map(h -> ((JsonObject) h).getString("hostId")))
        .containsExactly(HOST_A, HOST_B);
    JsonObject hostA = hosts.getJsonObject(0);
    assertThat(hostA.getString("kernelVersion")).isEqualTo("6.1.0-test");
    assertThat(hostA.getJsonObject("drops").getLong("pcapDropped")).isEqualTo(7L);

    JsonArray containers =
        await(get("/api/v1/containers?host=" + HOST_A, VIEWER).send())
            .bodyAsJsonObject()
            .getJsonArray("containers");
    assertThat(containers.stream().map(c -> ((JsonObject) c).getString("name")))
        .containsExactly("dup", "hostnet-1", "web-1");
    JsonObject hostnet = containers.getJsonObject(1);
    assertThat(hostnet.getJsonArray("flags").getList()).contains("HOST_NETWORK");
    JsonObject web = containers.getJsonObject(2);
    assertThat(web.getString("state")).isEqualTo("running");
    assertThat(web.getBoolean("isolated")).isFalse();
    assertThat(web.getJsonArray("addresses").getJsonObject(0).getString("ipv4Address"))
        .isEqualTo("172.17.0.2");
  }

  @Test
  @Order(6)
  void anAlertOnTheTopicAppearsOnTheApiAndOnTheStream() throws Exception {
    HttpClient http = vertx.createHttpClient();
    StringBuilder stream = new StringBuilder();
    var streamResponse =
        await(
            http.request(
                    new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setHost("127.0.0.1")
                        .setPort(controller.actualPort())
                        .setURI("/api/v1/alerts/stream")
                        .addHeader("Authorization", "Bearer " + VIEWER))
                .compose(request -> request.send())
                .onSuccess(
                    arrived ->
                        arrived.handler(
                            chunk -> {
                              synchronized (stream) {
                                stream.append(chunk.toString(StandardCharsets.UTF_8));
                              }
                            })));
    assertThat(streamResponse.statusCode()).isEqualTo(200);
    assertThat(streamResponse.getHeader("Content-Type")).startsWith("text/event-stream");

    Alert alert =
        Alert.newBuilder()
            .setAlertId("alert-" + UUID.randomUUID())
            .setRule(Rule.OOM_KILLED)
            .setSeverity(Severity.HIGH)
            .setTitle("Container web-1 was killed by the OOM killer")
            .setHostId(HOST_A)
            .setContainerId(WEB_ID)
            .setContainerName("web-1")
            .setLastSeen(Timestamps.now())
            .setPublishedAt(Timestamps.now())
            .build();
    produce(Topic.ALERTS, HOST_A + "/" + WEB_ID, alert);
    producer.flush();

    eventually(
        () -> {
          synchronized (stream) {
            return stream.toString().contains("\"alertId\":\"" + alert.getAlertId() + "\"");
          }
        });
    synchronized (stream) {
      assertThat(stream.toString())
          .startsWith(": porthole alert stream\nretry: 3000\n\n")
          .containsPattern(
              "id: [0-9a-z]+-\\d+\nevent: alert\ndata: \\{\"alertId\":\""
                  + alert.getAlertId()
                  + "\"");
    }
    JsonArray alerts =
        await(
                get(
                        "/api/v1/alerts?host="
                            + HOST_A
                            + "&container=web-1&rule=OOM_KILLED&severity=MEDIUM&limit=10",
                        VIEWER)
                    .send())
            .bodyAsJsonObject()
            .getJsonArray("alerts");
    assertThat(alerts).hasSize(1);
    assertThat(alerts.getJsonObject(0).getString("alertId")).isEqualTo(alert.getAlertId());
    assertThat(alerts.getJsonObject(0).getString("containerName")).isEqualTo("web-1");
    assertThat(alerts.getJsonObject(0).getString("severity")).isEqualTo("HIGH");
    JsonArray critical =
        await(get("/api/v1/alerts?severity=CRITICAL", VIEWER).send())
            .bodyAsJsonObject()
            .getJsonArray("alerts");
    assertThat(critical).isEmpty();
    streamResponse.request().connection().close();
    await(http.close());
  }

  @Test
  @Order(7)
  void aStreamClientThatReconnectsWithLastEventIdGetsExactlyWhatItMissed() throws Exception {
    HttpClient http = vertx.createHttpClient();
    StringBuilder first = new StringBuilder();
    HttpClientResponse firstResponse = openStream(http, null, first);
    Alert seen = streamAlert("seen");
    produce(Topic.ALERTS, HOST_A + "/" + WEB_ID, seen);
    eventually(() -> text(first).contains(seen.getAlertId()));
    String lastId = lastEventId(text(first));
    firstResponse.request().connection().close();

    // Published while the client is away: the views have them before it comes back.
    Alert missedOne = streamAlert("missed-1");
    Alert missedTwo = streamAlert("missed-2");
    produce(Topic.ALERTS, HOST_A + "/" + WEB_ID, missedOne);
    produce(Topic.ALERTS, HOST_A + "/" + WEB_ID, missedTwo);
    eventually(
        () -> alertIds().containsAll(List.of(missedOne.getAlertId(), missedTwo.getAlertId())));

    StringBuilder resumed = new StringBuilder();
    HttpClientResponse resumedResponse = openStream(http, lastId, resumed);
    eventually(() -> text(resumed).contains(missedTwo.getAlertId()));
    Alert live = streamAlert("live");
    produce(Topic.ALERTS, HOST_A + "/" + WEB_ID, live);
    eventually(() -> text(resumed).contains(live.getAlertId()));
    String body = text(resumed);
    assertThat(body)
        .startsWith(": porthole alert stream\nretry: 3000\n\n")
        .doesNotContain(seen.getAlertId())
        .doesNotContain("event: reset");
    assertThat(countOf(body, missedOne.getAlertId())).isEqualTo(1);
    assertThat(countOf(body, missedTwo.getAlertId())).isEqualTo(1);
    assertThat(body.indexOf(missedOne.getAlertId()))
        .isLessThan(body.indexOf(missedTwo.getAlertId()));
    String epoch = lastId.substring(0, lastId.lastIndexOf('-'));
    long seq = Long.parseLong(lastId.substring(lastId.lastIndexOf('-') + 1));
    assertThat(body)
        .contains(
            "id: "
                + epoch
                + "-"
                + (seq + 1)
                + "\nevent: alert\ndata: {\"alertId\":\""
                + missedOne.getAlertId());
    assertThat(body)
        .contains(
            "id: "
                + epoch
                + "-"
                + (seq + 2)
                + "\nevent: alert\ndata: {\"alertId\":\""
                + missedTwo.getAlertId());
    resumedResponse.request().connection().close();

    // An id this stream never gave (another epoch: a restarted controller) cannot be resumed.
    StringBuilder stale = new StringBuilder();
    HttpClientResponse staleResponse = openStream(http, "0old-5", stale);
    eventually(() -> text(stale).contains("event: reset"));
    assertThat(text(stale))
        .contains("event: reset\ndata: {\"reason\":")
        .doesNotContain(missedOne.getAlertId())
        .endsWith("id: " + lastEventId(text(stale)) + "\n\n");
    assertThat(lastEventId(text(stale))).startsWith(epoch + "-");
    staleResponse.request().connection().close();
    await(http.close());
  }

  private HttpClientResponse openStream(HttpClient http, String lastEventId, StringBuilder into)
      throws Exception {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(controller.actualPort())
            .setURI("/api/v1/alerts/stream")
            .addHeader("Authorization", "Bearer " + VIEWER);
    if (lastEventId != null) {
      options.addHeader("Last-Event-ID", lastEventId);
    }
    // The handler is set on the event loop as the response arrives, so no early chunk is missed.
    HttpClientResponse response =
        await(
            http.request(options)
                .compose(request -> request.send())
                .onSuccess(
                    arrived ->
                        arrived.handler(
                            chunk -> {
                              synchronized (into) {
                                into.append(chunk.toString(StandardCharsets.UTF_8));
                              }
                            })));
    assertThat(response.statusCode()).isEqualTo(200);
    eventually(() -> text(into).contains("\nid: "));
    return response;
  }

  private static String text(StringBuilder stream) {
    synchronized (stream) {
      return stream.toString();
    }
  }

  /** The id the client would send back: the last {@code id:} line of the stream. */
  private static String lastEventId(String stream) {
    Matcher ids = Pattern.compile("(?m)^id: (\\S+)$").matcher(stream);
    String last = null;
    while (ids.find()) {
      last = ids.group(1);
    }
    assertThat(last).as("an id in the stream").isNotNull();
    return last;
  }

  private static int countOf(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1;
  }

  private List<String> alertIds() {
    try {
      JsonArray alerts =
          await(get("/api/v1/alerts?limit=100", VIEWER).send())
              .bodyAsJsonObject()
              .getJsonArray("alerts");
      return alerts.stream().map(a -> ((JsonObject) a).getString("alertId")).toList();
    } catch (Exception e) {
      return List.of();
    }
  }

  private static Alert streamAlert(String name) {
    return Alert.newBuilder()
        .setAlertId("alert-" + name + "-" + UUID.randomUUID())
        .setRule(Rule.OOM_KILLED)
        .setSeverity(Severity.HIGH)
        .setTitle("Container web-1 was killed by the OOM killer (" + name + ")")
        .setHostId(HOST_A)
        .setContainerId(WEB_ID)
        .setContainerName("web-1")
        .setLastSeen(Timestamps.now())
        .setPublishedAt(Timestamps.now())
        .build();
  }

  @Test
  @Order(8)
  void aRemediationBecomesASignedCommandKeyedByHostThatTheCollectorCanVerify() throws Exception {
    HttpResponse<Buffer> accepted =
        await(
            post("/api/v1/remediations", OPERATOR)
                .sendJsonObject(isolate("web-1").put("ttlSeconds", 120)));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    String id = accepted.bodyAsJsonObject().getString("id");
    assertThat(accepted.bodyAsJsonObject().getString("status")).isEqualTo("PENDING");

    ConsumerRecord<String, byte[]> record = readCommand(id);
    assertThat(record.key()).isEqualTo(HOST_A);
    RemediationCommand command = RemediationCommand.parseFrom(record.value());
    assertThat(command.getAction()).isEqualTo(RemediationAction.ISOLATE_NETWORK);
    assertThat(command.getContainerId()).isEqualTo(WEB_ID);
    assertThat(command.getContainerName()).isEqualTo("web-1");
    assertThat(command.getTtlSeconds()).isEqualTo(120);
    assertThat(command.getRequestedBy()).as("the name of the operator token").isEqualTo("alice");
    // What a collector holding only the public key decides.
    CommandVerifier collector = CommandVerifier.fromFiles(List.of(TestKeys.VERIFY_FILE));
    Duration maxLifetime = Duration.ofMinutes(10);
    Duration skew = Duration.ofSeconds(30);
    Instant now = Instant.now();
    assertThat(collector.rejectionReason(command, HOST_A, now, maxLifetime, skew)).isEmpty();
    assertThat(collector.rejectionReason(command, HOST_B, now, maxLifetime, skew))
        .get()
        .asString()
        .contains("host");
    assertThat(collector.rejectionReason(command, HOST_A, now.plusSeconds(61), maxLifetime, skew))
        .get()
        .asString()
        .contains("expired");
    RemediationCommand altered = command.toBuilder().setContainerId(DUP_A_ID).build();
    assertThat(collector.rejectionReason(altered, HOST_A, now, maxLifetime, skew))
        .get()
        .asString()
        .contains("signature");
    isolation = command;

    JsonObject pending = await(get("/api/v1/remediations/" + id, VIEWER).send()).bodyAsJsonObject();
    assertThat(pending.getString("status")).isEqualTo("PENDING");
    assertThat(pending.getString("action")).isEqualTo("ISOLATE_NETWORK");
    assertThat(pending.getString("requestedBy")).isEqualTo("alice");

    produce(
        Topic.COMMAND_RESULTS,
        HOST_A + "/" + id,
        answering(command)
            .setCommandId(id)
            .setAction(RemediationAction.ISOLATE_NETWORK)
            .setHostId(HOST_A)
            .setContainerId(WEB_ID)
            .setStatus(RemediationStatus.SUCCEEDED)
            .setDetail("veth1a2b down")
            .setInterface("veth1a2b")
            .setFinishedAt(Timestamps.now())
            .setRestoreAt(Timestamps.of(Instant.now().plusSeconds(120)))
            .build());
    producer.flush();
    eventually(() -> "SUCCEEDED".equals(getJson("/api/v1/remediations/" + id).getString("status")));
    JsonObject web =
        getJson("/api/v1/containers?host=" + HOST_A).getJsonArray("containers").getJsonObject(2);
    assertThat(web.getBoolean("isolated")).isTrue();
    assertThat(web.getJsonObject("isolation").getString("interface")).isEqualTo("veth1a2b");
  }

  @Test
  @Order(9)
  void aResultWithArtifactChunksMakesTheRemediationSucceededAndTheBytesDownloadable()
      throws Exception {
    HttpResponse<Buffer> accepted =
        await(
            post("/api/v1/remediations", OPERATOR)
                .sendJsonObject(
                    new JsonObject()
                        .put("action", "CAPTURE_PACKETS")
                        .put("container", WEB_ID.substring(0, 12))
                        .put("durationSeconds", 5)
                        .put("reason", "see what it sends")));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    String id = accepted.bodyAsJsonObject().getString("id");
    assertError(
        await(get("/api/v1/remediations/" + id + "/artifact", OPERATOR).send()),
        409,
        "ARTIFACT_NOT_READY");
    RemediationCommand command = RemediationCommand.parseFrom(readCommand(id).value());

    byte[] pcap = new byte[10_000];
    new Random(42).nextBytes(pcap);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pcap));
    int chunkSize = 4_000;
    int total = 3;
    for (int i = total - 1; i >= 0; i--) { // out of order on purpose
      int from = i * chunkSize;
      int to = Math.min(pcap.length, from + chunkSize);
      produce(
          Topic.COMMAND_RESULTS,
          HOST_A + "/" + id,
          answering(command)
              .setAction(RemediationAction.CAPTURE_PACKETS)
              .setHostId(HOST_A)
              .setContainerId(WEB_ID)
              .setStatus(RemediationStatus.SUCCEEDED)
              .setDetail("42 packets on veth1a2b")
              .setFinishedAt(Timestamps.now())
              .setArtifact(
                  ArtifactChunk.newBuilder()
                      .setIndex(i)
                      .setTotal(total)
                      .setData(ByteString.copyFrom(pcap, from, to - from))
                      .setTotalSize(pcap.length)
                      .setSha256(sha)
                      .setContentType("application/vnd.tcpdump.pcap")
                      .setFileName("capture-web-1.pcap"))
              .build());
    }
    producer.flush();
    eventually(
        () ->
            getJson("/api/v1/remediations/" + id).getJsonObject("artifact") != null
                && getJson("/api/v1/remediations/" + id)
                    .getJsonObject("artifact")
                    .getBoolean("complete"));
    JsonObject done = getJson("/api/v1/remediations/" + id);
    assertThat(done.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(done.getString("detail")).isEqualTo("42 packets on veth1a2b");
    assertThat(done.getString("finishedAt")).isNotNull();

    assertError(
        await(get("/api/v1/remediations/" + id + "/artifact", VIEWER).send()), 403, "FORBIDDEN");
    HttpResponse<Buffer> artifact =
        await(get("/api/v1/remediations/" + id + "/artifact", OPERATOR).send());
    assertThat(artifact.statusCode()).isEqualTo(200);
    assertThat(artifact.getHeader("Content-Length")).isEqualTo("10000");
    assertThat(artifact.getHeader("Content-Type")).isEqualTo("application/vnd.tcpdump.pcap");
    assertThat(artifact.getHeader("Content-Disposition")).contains("capture-web-1.pcap");
    assertThat(artifact.body().getBytes()).isEqualTo(pcap);

    JsonArray recent = getJson("/api/v1/remediations?limit=10").getJsonArray("remediations");
    assertThat(recent.stream().map(r -> ((JsonObject) r).getString("id"))).contains(id);
  }

  @Test
  @Order(10)
  void aRestartedControllerRebuildsItsViewsFromTheTopics() throws Exception {
    List<String> idsBefore = new ArrayList<>();
    getJson("/api/v1/remediations")
        .getJsonArray("remediations")
        .forEach(r -> idsBefore.add(((JsonObject) r).getString("id")));
    JsonArray alertsBefore = getJson("/api/v1/alerts").getJsonArray("alerts");
    JsonArray containersBefore = getJson("/api/v1/containers").getJsonArray("containers");
    assertThat(idsBefore).hasSize(2);

    await(controller.stop());
    controller = startNewController();

    JsonArray remediations = getJson("/api/v1/remediations").getJsonArray("remediations");
    assertThat(remediations.stream().map(r -> ((JsonObject) r).getString("id")))
        .containsExactlyElementsOf(idsBefore);
    assertThat(remediations.stream().map(r -> ((JsonObject) r).getString("status")))
        .containsOnly("SUCCEEDED");
    String captureId = idsBefore.get(0);
    assertThat(
            await(get("/api/v1/remediations/" + captureId + "/artifact", OPERATOR).send())
                .body()
                .length())
        .isEqualTo(10_000);
    assertThat(getJson("/api/v1/alerts").getJsonArray("alerts")).isEqualTo(alertsBefore);
    assertThat(getJson("/api/v1/containers").getJsonArray("containers"))
        .isEqualTo(containersBefore);
  }

  @Test
  @Order(11)
  void forgedResultsAndCommandsAreCountedAndChangeNothing() throws Exception {
    String id = isolation.getCommandId();
    JsonObject before = getJson("/api/v1/remediations/" + id);
    assertThat(before.getString("status")).isEqualTo("SUCCEEDED");

    // Another host answers the command; a result for a command never issued; a second final result
    // from the right host; the collector's REJECTED answer to a forged copy with the same id.
    produce(
        Topic.COMMAND_RESULTS,
        HOST_B + "/" + id,
        answering(isolation)
            .setHostId(HOST_B)
            .setStatus(RemediationStatus.FAILED)
            .setDetail("from the wrong host")
            .build());
    String unknown = UUID.randomUUID().toString();
    produce(
        Topic.COMMAND_RESULTS,
        HOST_A + "/" + unknown,
        answering(isolation)
            .setCommandId(unknown)
            .setStatus(RemediationStatus.SUCCEEDED)
            .setDetail("never issued")
            .build());
    produce(
        Topic.COMMAND_RESULTS,
        HOST_A + "/" + id,
        answering(isolation).setStatus(RemediationStatus.FAILED).setDetail("rewritten").build());
    RemediationCommand forgedCopy = isolation.toBuilder().setContainerId(DUP_A_ID).build();
    produce(
        Topic.COMMAND_RESULTS,
        HOST_A + "/" + id,
        answering(forgedCopy)
            .setStatus(RemediationStatus.REJECTED)
            .setDetail("signature does not verify; nothing was done")
            .build());
    // A command on the topic signed with a key that is not the controller's is no remediation.
    RemediationCommand foreign =
        TestKeys.otherSigner()
            .sign(isolation.toBuilder().setCommandId(UUID.randomUUID().toString()).build());
    produce(Topic.COMMANDS, HOST_A, foreign);
    // A follow-up from the addressed host is an event of the record, not a new status.
    produce(
        Topic.COMMAND_RESULTS,
        HOST_A + "/" + id,
        answering(isolation)
            .setFollowUp("container restarted while isolated; re-isolated")
            .setFinishedAt(Timestamps.now())
            .build());
    producer.flush();

    eventually(
        () -> {
          JsonObject stats = getJson("/api/v1/remediations").getJsonObject("stats");
          JsonObject ignored = stats.getJsonObject("resultsIgnored");
          return ignored.getLong("otherHost") == 1
              && ignored.getLong("unknownCommand") == 1
              && ignored.getLong("afterFinal") == 1
              && ignored.getLong("notThisCommand") == 1
              && stats.getLong("commandsUnverified") == 1;
        });
    eventually(() -> !getJson("/api/v1/remediations/" + id).getJsonArray("events").isEmpty());
    JsonObject after = getJson("/api/v1/remediations/" + id);
    assertThat(after.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(after.getString("detail")).isEqualTo("veth1a2b down");
    assertThat(after.getJsonArray("events").getJsonObject(0).getString("detail"))
        .isEqualTo("container restarted while isolated; re-isolated");
    assertError(
        await(get("/api/v1/remediations/" + unknown, VIEWER).send()), 404, "REMEDIATION_NOT_FOUND");
    assertError(
        await(get("/api/v1/remediations/" + foreign.getCommandId(), VIEWER).send()),
        404,
        "REMEDIATION_NOT_FOUND");
    JsonObject web =
        getJson("/api/v1/containers?host=" + HOST_A).getJsonArray("containers").getJsonObject(2);
    assertThat(web.getBoolean("isolated")).isTrue();
    assertThat(await(get("/metrics", null).send()).bodyAsString())
        .contains("porthole_controller_results_ignored_total{reason=\"after_final\"} 1.0");
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** A result as the addressed collector sends it: bound to the command by its SHA-256. */
  private static RemediationResult.Builder answering(RemediationCommand command) {
    return RemediationResult.newBuilder()
        .setCommandId(command.getCommandId())
        .setAction(command.getAction())
        .setHostId(command.getHostId())
        .setContainerId(command.getContainerId())
        .setRequestedBy(command.getRequestedBy())
        .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(command)));
  }

  private ControllerService startNewController() throws Exception {
    ControllerService started = ControllerService.create(vertx, settings);
    await(started.start());
    eventually(started::ready);
    return started;
  }

  private HttpRequest<Buffer> get(String uri, String token) {
    HttpRequest<Buffer> request = client.get(controller.actualPort(), "127.0.0.1", uri);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return request;
  }

  private HttpRequest<Buffer> post(String uri, String token) {
    return client
        .post(controller.actualPort(), "127.0.0.1", uri)
        .putHeader("Authorization", "Bearer " + token);
  }

  private JsonObject getJson(String uri) {
    try {
      HttpResponse<Buffer> response = await(get(uri, VIEWER).send());
      assertThat(response.statusCode()).as(uri + ": " + response.bodyAsString()).isEqualTo(200);
      return response.bodyAsJsonObject();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject isolate(String container) {
    return new JsonObject()
        .put("action", "ISOLATE_NETWORK")
        .put("container", container)
        .put("reason", "suspicious traffic");
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
  }

  private void produce(Topic topic, String key, MessageLite value) throws Exception {
    producer
        .send(new ProducerRecord<>(topics.name(topic), key, value.toByteArray()))
        .get(30, TimeUnit.SECONDS);
  }

  private ConsumerRecord<String, byte[]> readCommand(String commandId) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topics.name(Topic.COMMANDS)));
      Instant deadline = Instant.now().plus(DEADLINE);
      while (Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          if (RemediationCommand.parseFrom(record.value()).getCommandId().equals(commandId)) {
            return record;
          }
        }
      }
    }
    throw new AssertionError(
        "command " + commandId + " did not appear on " + topics.name(Topic.COMMANDS));
  }

  private static CollectorHeartbeat heartbeat(String hostId) {
    return CollectorHeartbeat.newBuilder()
        .setHostId(hostId)
        .setTime(Timestamps.now())
        .setIntervalSeconds(10)
        .setKernelVersion("6.1.0-test")
        .setEngineVersion("20.10.24")
        .setCounters(CollectorCounters.newBuilder().setPcapDropped(7).setEventsPublished(100))
        .build();
  }

  private static EventEnvelope containerEvent(
      String hostId, String id, String name, String networkMode, String address) {
    ContainerEvent.Builder event =
        ContainerEvent.newBuilder()
            .setAction(ContainerAction.START)
            .setName(name)
            .setImage("porthole/busybox:test")
            .setState("running")
            .setPid(4242)
            .setConfig(
                ContainerConfig.newBuilder()
                    .setNetworkMode(networkMode)
                    .setMemoryLimitBytes(1 << 26));
    if (!address.isEmpty()) {
      event.addNetworks(
          NetworkAttachment.newBuilder()
              .setNetwork("bridge")
              .setIpv4Address(address)
              .setGateway("172.17.0.1"));
    }
    return EventEnvelope.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setHostId(hostId)
        .setContainerId(id)
        .setTime(Timestamps.now())
        .setContainerEvent(event)
        .build();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future
        .toCompletionStage()
        .toCompletableFuture()
        .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
  }

  /** Polls the condition until it holds or the deadline passes. */
  private static void eventually(Supplier<Boolean> condition) throws InterruptedException {
    Await.until("the condition", DEADLINE, Duration.ofMillis(100), condition::get);
  }
}
