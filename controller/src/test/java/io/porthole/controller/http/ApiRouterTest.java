package io.porthole.controller.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.porthole.controller.ControllerConfig;
import io.porthole.controller.remediation.RemediationPlanner;
import io.porthole.controller.view.Views;
import io.porthole.proto.ContainerAction;
import io.porthole.proto.ContainerConfig;
import io.porthole.proto.ContainerEvent;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.RemediationCommand;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.Timestamps;
import io.porthole.wire.TopicNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.kafka.client.producer.KafkaProducer;
import java.time.Clock;
import java.time.Duration;
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

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Views views = Views.create(new ControllerConfig.ViewBounds(10, 10, 10, 10, 1 << 20));
    views.containers()
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
    RecordPublisher publisher = new RecordPublisher(vertx, KafkaProducer.create(vertx, mock), TopicNames.standard(), 10);
    RemediationPlanner planner =
        new RemediationPlanner(views.containers(), views.hosts(), CommandSigner.ofText("k".repeat(16)), Duration.ofSeconds(60));
    stream = new AlertStream(1);
    ApiHandlers handlers = new ApiHandlers(views, planner, publisher, stream, () -> true, () -> caughtUp, Clock.systemUTC());
    var router =
        await(ApiRouter.create(vertx, handlers, new BearerTokenAuth(VIEWER, OPERATOR), 1024, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
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
    HttpResponse<Buffer> response = post(OPERATOR, new JsonObject().put("action", "RESTORE_NETWORK").put("container", "web").put("reason", "r"));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    assertThat(mock.history()).singleElement().satisfies(record -> {
      assertThat(record.topic()).isEqualTo("porthole.commands.v1");
      assertThat(record.key()).isEqualTo("h1");
      assertThat(RemediationCommand.parseFrom(record.value()).getCommandId())
          .isEqualTo(response.bodyAsJsonObject().getString("id"));
    });
  }

  @Test
  void badRequestsGetTheirStatusAndNameTheField() throws Exception {
    expect(post(null, new JsonObject()), 401, "UNAUTHORIZED", "bearer token");
    expect(post(VIEWER, new JsonObject()), 403, "FORBIDDEN", "operator token");
    expect(post(OPERATOR, new JsonObject().put("action", "ISOLATE_NETWORK").put("reason", "x".repeat(2000))), 413, "BODY_TOO_LARGE", "limit");
    expect(post(OPERATOR, new JsonObject().put("reason", "r")), 400, "INVALID_REQUEST", "action: ");
    expect(post(OPERATOR, new JsonObject().put("action", "ISOLATE_NETWORK").put("container", "web").put("reason", "r").put("force", true)),
        400, "INVALID_REQUEST", "force: ");
    expect(post(OPERATOR, new JsonObject().put("action", "ISOLATE_NETWORK").put("container", "web").put("reason", "r").put("dryRun", "yes")),
        400, "INVALID_REQUEST", "dryRun: Instance type string is invalid. Expected boolean");
    expect(post(OPERATOR, new JsonObject().put("action", "EXTRACT_FILE").put("image", "i").put("path", "relative").put("reason", "r")),
        400, "INVALID_REQUEST", "path: ");
    expect(get(VIEWER, "/api/v1/alerts?limit=0"), 400, "INVALID_REQUEST", "limit: 0 is less than 1");
    expect(get(VIEWER, "/api/v1/alerts?rule=NOPE"), 400, "INVALID_REQUEST", "rule: ");
    expect(get(VIEWER, "/api/v1/alerts?since=yesterday"), 400, "INVALID_REQUEST", "since: ");
    expect(get(VIEWER, "/api/v1/remediations/not%20an%20id"), 400, "INVALID_REQUEST", "id: ");
    expect(post(OPERATOR, new JsonObject().put("action", "CAPTURE_PACKETS").put("container", "nope").put("durationSeconds", 5).put("reason", "r")),
        404, "CONTAINER_NOT_FOUND", "nope");
    HttpResponse<Buffer> notJson =
        await(client.post(server.actualPort(), "127.0.0.1", "/api/v1/remediations")
            .putHeader("Authorization", "Bearer " + OPERATOR).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{oops")));
    expect(notJson, 400, "INVALID_REQUEST", "body: not valid JSON");
    assertThat(mock.history()).isEmpty();
  }

  @Test
  void remediationsWaitForTheViewsAndReadinessSaysWhy() throws Exception {
    caughtUp = false;
    expect(post(OPERATOR, new JsonObject().put("action", "RESTORE_NETWORK").put("container", "web").put("reason", "r")),
        503, "VIEWS_LOADING", "still reading");
    HttpResponse<Buffer> ready = await(client.get(server.actualPort(), "127.0.0.1", "/health/ready").send());
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getString("views")).isEqualTo("loading from the topics");
    assertThat(mock.history()).isEmpty();
  }

  @Test
  void theAlertStreamIsBounded() throws Exception {
    var http = vertx.createHttpClient();
    var first =
        await(http.request(io.vertx.core.http.HttpMethod.GET, server.actualPort(), "127.0.0.1", "/api/v1/alerts/stream")
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
    return await(client.get(server.actualPort(), "127.0.0.1", uri).putHeader("Authorization", "Bearer " + token).send());
  }

  private static void expect(HttpResponse<Buffer> response, int status, String code, String messagePart) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).startsWith(messagePart.endsWith(": ") ? messagePart : "").contains(messagePart);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
