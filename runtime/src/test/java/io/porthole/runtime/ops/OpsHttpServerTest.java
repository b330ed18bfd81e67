package io.porthole.runtime.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Statistic;
import io.porthole.runtime.Settings;
import io.porthole.runtime.ops.Readiness.Status;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoint over a real HTTP connection: metrics text, liveness, readiness turning 200. */
class OpsHttpServerTest {

  private Vertx vertx;
  private OpsHttpServer server;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(60)).build();

  @BeforeEach
  void start() throws Exception {
    vertx = PortholeMetrics.newVertx();
    server =
        new OpsHttpServer(
            vertx,
            new OpsHttpConfig("127.0.0.1", 0),
            PortholeMetrics.of(vertx),
            Readiness.of(vertx),
            "test");
    await(server.start());
  }

  @AfterEach
  void stop() throws Exception {
    await(server.stop());
    await(vertx.close());
  }

  @Test
  void metricsAreThePrometheusTextOfTheSharedRegistryWithJvmAndVertxMeters() throws Exception {
    Counter.builder("porthole.test.things")
        .register(PortholeMetrics.of(vertx).registry())
        .increment(3);
    get("/health/live"); // one request, so that the Vert.x HTTP server meters exist

    Reply metrics = get("/metrics");

    assertThat(metrics.status).isEqualTo(200);
    assertThat(metrics.contentType).startsWith("text/plain; version=0.0.4");
    assertThat(metrics.body)
        .contains("porthole_test_things_total 3.0")
        .contains("jvm_memory_used_bytes{")
        .contains("process_cpu_usage")
        .contains("vertx_http_server_requests_total{");
  }

  @Test
  void readyTurns200WhenTheLastCheckPasses() throws Exception {
    Reply before = get("/health/ready");
    assertThat(before.status).isEqualTo(503);
    assertThat(new JsonObject(before.body).getString("status")).isEqualTo("DOWN");

    AtomicBoolean consuming = new AtomicBoolean();
    Readiness.of(vertx)
        .register(
            "consuming", () -> consuming.get() ? Status.up("polled") : Status.down("not yet"));
    assertThat(get("/health/ready").status).isEqualTo(503);

    consuming.set(true);
    Reply after = get("/health/ready");

    assertThat(after.status).isEqualTo(200);
    assertThat(new JsonObject(after.body).getJsonObject("checks").getString("consuming"))
        .isEqualTo("polled");
    assertThat(get("/health/live").status).isEqualTo(200);
  }

  @Test
  void aCheckThatThrowsAnErrorAnswers500NamingItAndTheServerStillAnswers() throws Exception {
    Readiness.of(vertx)
        .register(
            "broken",
            () -> {
              throw new AssertionError("probe exploded");
            });

    Reply ready = get("/health/ready");

    assertThat(ready.status).isEqualTo(500);
    assertThat(new JsonObject(ready.body).getString("error"))
        .contains("/health/ready failed")
        .contains("probe exploded");
    Readiness.of(vertx).unregister("broken");
    assertThat(get("/health/live").status).isEqualTo(200);
  }

  @Test
  void aScrapeThatThrowsAnswers500() throws Exception {
    Meter.builder(
            "porthole.test.broken",
            Meter.Type.OTHER,
            List.of(
                new Measurement(
                    (DoubleSupplier)
                        () -> {
                          throw new IllegalStateException("meter exploded");
                        },
                    Statistic.VALUE)))
        .register(PortholeMetrics.of(vertx).registry());

    Reply metrics = get("/metrics");

    assertThat(metrics.status).isEqualTo(500);
    assertThat(metrics.body).contains("/metrics failed").contains("meter exploded");
  }

  @Test
  void otherPathsAnd405AreRefused() throws Exception {
    assertThat(get("/nothing").status).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/metrics"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void noPortNoServerAndABadPortNamesTheKey() {
    assertThat(OpsHttpConfig.from(Settings.of(Map.of()))).isEmpty();
    assertThat(
            OpsHttpConfig.from(
                Settings.of(Map.of("http.port", "9464", "ops.http.enabled", "false"))))
        .isEmpty();
    assertThat(OpsHttpConfig.from(Settings.of(Map.of("http.port", "9464"))))
        .contains(new OpsHttpConfig("0.0.0.0", 9464));
    assertThatThrownBy(() -> OpsHttpConfig.from(Settings.of(Map.of("http.port", "70000"))))
        .hasMessageContaining("http.port");
  }

  private record Reply(int status, String contentType, String body) {}

  /**
   * One GET with the JDK's HTTP client. Vert.x's own client, pooled on the Vert.x instance under
   * test, left a second or third request on a kept-alive connection unanswered now and then (2 of 3
   * runs on a loaded machine); the JDK's client keeps the test about the server.
   */
  private Reply get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(null),
        response.body());
  }

  private static <T> T await(Future<T> future) throws Exception {
    // generous: a loaded 2-core machine has taken over 10 s for a first request here
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
