package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.porthole.controller.ControllerConfig;
import io.porthole.controller.TestKeys;
import io.porthole.controller.remediation.RemediationPlanner;
import io.porthole.controller.view.Views;
import io.porthole.proto.Alert;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router built from the OpenAPI document, served for real on a free port, with the commands
 * going to kafka-clients' MockProducer: the status and error of each kind of bad request.
 */
class ApiRouterTest {

  private static final String VIEWER = "viewer-token-0123456789";
  private static final String OPERATOR = "operator-token-0123456789";

  private Vertx vertx;
  private HttpServer server;
  private WebClient client;
  private MockProducer<String, byte[]> mock;
  private AlertStream stream;
  private volatile boolean caughtUp = true;
  private Views views;
  private PrometheusMeterRegistry registry;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    views =
        Views.create(
            new ControllerConfig.ViewBounds(10, 10, 10, 10, 1 << 20), TestKeys.SIGNER.verifier());
    views
        .containers()
        .onEvent(
            EventEnvelope.newBuilder()
                .setHostId("h1")
                .setContainerId("abc123")
                .setTime(Timestamps.now())
                .setContainerEvent(
                    ContainerEvent.newBuilder()
                        .setAction(ContainerAction.START)
                        .setName("web")
                        .setState("running")
                        .setConfig(ContainerConfig.newBuilder().setNetworkMode("bridge")))
                .build());
    mock = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    RecordPublisher publisher =
        new RecordPublisher(vertx, KafkaProducer.create(vertx, mock), TopicNames.standard(), 10);
    RemediationPlanner planner =
        new RemediationPlanner(
            views.containers(), views.hosts(), TestKeys.SIGNER, Duration.ofSeconds(60));
    stream = new AlertStream(1);
    ApiHandlers handlers =
        new ApiHandlers(
            views, planner, publisher, stream, () -> true, () -> caughtUp, Clock.systemUTC());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var router =
        await(
            ApiRouter.create(
                vertx, handlers, new BearerTokenAuth(VIEWER, OPERATOR), 1024, registry));
    server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    stream.closeAll();
    await(vertx.close());
  }

  @Test
  void anOperatorRemediationIsSentKeyedByHost() throws Exception {
    HttpResponse<Buffer> response =
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "RESTORE_NETWORK")
                .put("container", "web")
                .put("reason", "r"));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    assertThat(mock.history())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.topic()).isEqualTo("porthole.commands.v1");
              assertThat(record.key()).isEqualTo("h1");
              assertThat(RemediationCommand.parseFrom(record.value()).getCommandId())
                  .isEqualTo(response.bodyAsJsonObject().getString("id"));
            });
  }

  @Test
  void aCaptureOfOneNamedInterfaceCarriesItAndOtherActionsAreRefusedOne() throws Exception {
    HttpResponse<Buffer> capture =
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "CAPTURE_PACKETS")
                .put("container", "web")
                .put("durationSeconds", 5)
                .put("interface", "eth1")
                .put("reason", "r"));
    assertThat(capture.statusCode()).as(capture.bodyAsString()).isEqualTo(202);
    assertThat(mock.history())
        .singleElement()
        .satisfies(
            record ->
                assertThat(RemediationCommand.parseFrom(record.value()).getCaptureInterface())
                    .isEqualTo("eth1"));

    expect(
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "ISOLATE_NETWORK")
                .put("container", "web")
                .put("interface", "eth1")
                .put("reason", "r")),
        400,
        "INVALID_REQUEST",
        "interface: only for CAPTURE_PACKETS, not ISOLATE_NETWORK");
    expect(
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "CAPTURE_PACKETS")
                .put("container", "web")
                .put("durationSeconds", 5)
                .put("interface", "a-name-too-long-for-linux")
                .put("reason", "r")),
        400,
        "INVALID_REQUEST",
        "interface: ");
    assertThat(mock.history()).hasSize(1);
  }

  @Test
  void aRestartUnderIsolationShowsInTheContainersViewAsTheCollectorsFollowUpsSay()
      throws Exception {
    HttpResponse<Buffer> issued =
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "ISOLATE_NETWORK")
                .put("container", "web")
                .put("reason", "r"));
    assertThat(issued.statusCode()).as(issued.bodyAsString()).isEqualTo(202);
    RemediationCommand command = RemediationCommand.parseFrom(mock.history().get(0).value());
    Instant t0 = Instant.now();
    RemediationResult isolated =
        RemediationResult.newBuilder()
            .setCommandId(command.getCommandId())
            .setAction(RemediationAction.ISOLATE_NETWORK)
            .setHostId("h1")
            .setContainerId("abc123")
            .setStatus(RemediationStatus.SUCCEEDED)
            .setInterface("veth1,veth2")
            .setFinishedAt(Timestamps.of(t0))
            .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(command)))
            .build();
    views.apply(Topic.COMMAND_RESULTS, isolated.toByteArray());
    JsonObject before = web();
    assertThat(before.getBoolean("isolated")).isTrue();
    assertThat(before.getJsonObject("isolation").getBoolean("enforced")).isTrue();
    assertThat(before.getJsonObject("isolation").getString("reisolatedAt")).isNull();

    // Restarted, and the collector could not re-isolate it yet: still isolated, not enforced.
    views.apply(
        Topic.COMMAND_RESULTS,
        isolated.toBuilder()
            .setStatus(RemediationStatus.FAILED)
            .clearInterface()
            .setFollowUp("container web started again under isolation but could not be re-isolated")
            .setFinishedAt(Timestamps.of(t0.plusSeconds(5)))
            .build()
            .toByteArray());
    JsonObject failed = web();
    assertThat(failed.getBoolean("isolated")).isTrue();
    JsonObject notEnforced = failed.getJsonObject("isolation");
    assertThat(notEnforced.getBoolean("enforced")).isFalse();
    assertThat(notEnforced.getString("notEnforcedReason")).contains("could not be re-isolated");
    assertThat(notEnforced.getString("notEnforcedSince")).isEqualTo(t0.plusSeconds(5).toString());

    // A follow-up from another host is not applied.
    views.apply(
        Topic.COMMAND_RESULTS,
        isolated.toBuilder()
            .setHostId("h2")
            .setInterface("veth66")
            .setFollowUp("forged")
            .setFinishedAt(Timestamps.of(t0.plusSeconds(6)))
            .build()
            .toByteArray());
    assertThat(web().getJsonObject("isolation").getBoolean("enforced")).isFalse();

    // The retry succeeded: re-isolated on the new veths.
    views.apply(
        Topic.COMMAND_RESULTS,
        isolated.toBuilder()
            .setInterface("veth7,veth8")
            .setFollowUp("container web started again under isolation and was re-isolated")
            .setFinishedAt(Timestamps.of(t0.plusSeconds(9)))
            .build()
            .toByteArray());
    JsonObject reisolated = web();
    assertThat(reisolated.getBoolean("isolated")).isTrue();
    JsonObject isolation = reisolated.getJsonObject("isolation");
    assertThat(isolation.getBoolean("enforced")).isTrue();
    assertThat(isolation.getString("notEnforcedReason")).isNull();
    assertThat(isolation.getString("reisolatedAt")).isEqualTo(t0.plusSeconds(9).toString());
    assertThat(isolation.getString("since")).isEqualTo(t0.toString());
    assertThat(isolation.getString("interface")).isEqualTo("veth7,veth8");
    assertThat(isolation.getString("remediationId")).isEqualTo(command.getCommandId());
    // The command's own status is still its final result's.
    HttpResponse<Buffer> remediation =
        get(VIEWER, "/api/v1/remediations/" + command.getCommandId());
    assertThat(remediation.bodyAsJsonObject().getString("status")).isEqualTo("SUCCEEDED");
  }

  private JsonObject web() throws Exception {
    HttpResponse<Buffer> response = get(VIEWER, "/api/v1/containers");
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("containers").getJsonObject(0);
  }

  @Test
  void badRequestsGetTheirStatusAndNameTheField() throws Exception {
    expect(post(null, new JsonObject()), 401, "UNAUTHORIZED", "bearer token");
    expect(post(VIEWER, new JsonObject()), 403, "FORBIDDEN", "operator token");
    expect(
        post(
            OPERATOR,
            new JsonObject().put("action", "ISOLATE_NETWORK").put("reason", "x".repeat(2000))),
        413,
        "BODY_TOO_LARGE",
        "limit");
    expect(post(OPERATOR, new JsonObject().put("reason", "r")), 400, "INVALID_REQUEST", "action: ");
    expect(
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "ISOLATE_NETWORK")
                .put("container", "web")
                .put("reason", "r")
                .put("force", true)),
        400,
        "INVALID_REQUEST",
        "force: ");
    expect(
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "ISOLATE_NETWORK")
                .put("container", "web")
                .put("reason", "r")
                .put("dryRun", "yes")),
        400,
        "INVALID_REQUEST",
        "dryRun: Instance type string is invalid. Expected boolean");
    expect(
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "EXTRACT_FILE")
                .put("image", "i")
                .put("path", "relative")
                .put("reason", "r")),
        400,
        "INVALID_REQUEST",
        "path: ");
    expect(
        get(VIEWER, "/api/v1/alerts?limit=0"), 400, "INVALID_REQUEST", "limit: 0 is less than 1");
    expect(get(VIEWER, "/api/v1/alerts?rule=NOPE"), 400, "INVALID_REQUEST", "rule: ");
    expect(get(VIEWER, "/api/v1/alerts?since=yesterday"), 400, "INVALID_REQUEST", "since: ");
    expect(get(VIEWER, "/api/v1/remediations/not%20an%20id"), 400, "INVALID_REQUEST", "id: ");
    expect(
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "CAPTURE_PACKETS")
                .put("container", "nope")
                .put("durationSeconds", 5)
                .put("reason", "r")),
        404,
        "CONTAINER_NOT_FOUND",
        "nope");
    HttpResponse<Buffer> notJson =
        await(
            client
                .post(server.actualPort(), "127.0.0.1", "/api/v1/remediations")
                .putHeader("Authorization", "Bearer " + OPERATOR)
                .putHeader("Content-Type", "application/json")
                .sendBuffer(Buffer.buffer("{oops")));
    expect(notJson, 400, "INVALID_REQUEST", "body: not valid JSON");
    assertThat(mock.history()).isEmpty();
  }

  @Test
  void alertsAreServedFromTheCurrentViewAndRequestsCountedByStatusClass() throws Exception {
    views.alerts().onAlert(alert("a", "h1", 1));
    views.alerts().onAlert(alert("b", "h2", 2));
    HttpResponse<Buffer> first = get(VIEWER, "/api/v1/alerts?limit=1");
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(first.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(first.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(alertIds(first)).containsExactly("b");
    assertThat(alertIds(get(VIEWER, "/api/v1/alerts?host=h1"))).containsExactly("a");
    // the same query again after an alert arrived sees it
    views.alerts().onAlert(alert("c", "h1", 3));
    assertThat(alertIds(get(VIEWER, "/api/v1/alerts?limit=1"))).containsExactly("c");
    assertThat(alertIds(get(VIEWER, "/api/v1/alerts?host=h1"))).containsExactly("c", "a");
    // parameters that passed are remembered per value; those that failed are checked every time
    expect(
        get(VIEWER, "/api/v1/alerts?limit=0"), 400, "INVALID_REQUEST", "limit: 0 is less than 1");
    expect(
        get(VIEWER, "/api/v1/alerts?limit=0"), 400, "INVALID_REQUEST", "limit: 0 is less than 1");
    expect(get("wrong-token-0123456789", "/api/v1/alerts"), 401, "UNAUTHORIZED", "bearer token");

    String metrics =
        await(client.get(server.actualPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertThat(metrics)
        .contains("porthole_controller_http_requests_total{status=\"2xx\"} 4.0")
        .contains("porthole_controller_http_requests_total{status=\"4xx\"} 3.0")
        .doesNotContain("status=\"5xx\"");
  }

  private static Alert alert(String id, String host, long lastSeen) {
    return Alert.newBuilder()
        .setAlertId(id)
        .setHostId(host)
        .setLastSeen(Timestamps.of(Instant.parse("2026-01-31T10:00:00Z").plusSeconds(lastSeen)))
        .build();
  }

  private static List<String> alertIds(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getJsonArray("alerts").stream()
        .map(a -> ((JsonObject) a).getString("alertId"))
        .toList();
  }

  @Test
  void remediationsWaitForTheViewsAndReadinessSaysWhy() throws Exception {
    caughtUp = false;
    expect(
        post(
            OPERATOR,
            new JsonObject()
                .put("action", "RESTORE_NETWORK")
                .put("container", "web")
                .put("reason", "r")),
        503,
        "VIEWS_LOADING",
        "still reading");
    HttpResponse<Buffer> ready =
        await(client.get(server.actualPort(), "127.0.0.1", "/health/ready").send());
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getString("views"))
        .isEqualTo("loading from the topics");
    assertThat(mock.history()).isEmpty();
  }

  @Test
  void theAlertStreamIsBounded() throws Exception {
    var http = vertx.createHttpClient();
    var first =
        await(
            http.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/api/v1/alerts/stream")
                .compose(r -> r.putHeader("Authorization", "Bearer " + VIEWER).send()));
    assertThat(first.statusCode()).isEqualTo(200);
    expect(get(VIEWER, "/api/v1/alerts/stream"), 503, "TOO_MANY_STREAMS", "at most 1");
  }

  private HttpResponse<Buffer> post(String token, JsonObject body) throws Exception {
    var request = client.post(server.actualPort(), "127.0.0.1", "/api/v1/remediations");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return await(request.sendJsonObject(body));
  }

  private HttpResponse<Buffer> get(String token, String uri) throws Exception {
    return await(
        client
            .get(server.actualPort(), "127.0.0.1", uri)
            .putHeader("Authorization", "Bearer " + token)
            .send());
  }

  private static void expect(
      HttpResponse<Buffer> response, int status, String code, String messagePart) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message"))
        .startsWith(messagePart.endsWith(": ") ? messagePart : "")
        .contains(messagePart);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
