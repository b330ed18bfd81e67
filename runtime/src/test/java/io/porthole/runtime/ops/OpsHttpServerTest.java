package io.porthole.runtime.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.porthole.runtime.ops.Readiness.Status;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operations endpoint over a real socket: Prometheus text, liveness, readiness by checks. */
class OpsHttpServerTest {

  private final AtomicBoolean consuming = new AtomicBoolean(false);
  private Vertx vertx;
  private OpsHttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    vertx = PortholeMetrics.newVertx(new VertxOptions());
    Readiness readiness = new Readiness()
        .add("engine", () -> Status.ready("connected"))
        .add("kafka", () -> consuming.get() ? Status.ready("consuming") : Status.notReady("no partition assigned yet"));
    server = new OpsHttpServer(vertx, "test", "127.0.0.1", 0, PortholeMetrics.registry(), readiness);
    server.start().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    server.stop().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void metricsAreScrapedInPrometheusFormatWithJvmVertxAndOwnCounters() throws Exception {
    Counter.builder("porthole.test.things.seen").tag("source", "docker").register(PortholeMetrics.registry()).increment(3);
    HttpResponse<String> response = get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(response.body())
        .contains("porthole_test_things_seen_total{source=\"docker\"} 3.0")
        .contains("jvm_memory_used_bytes")
        .contains("vertx_http_server_");
  }

  @Test
  void readinessIsDownUntilEveryCheckPassesAndSaysWhich() throws Exception {
    HttpResponse<String> down = get("/health/ready");
    assertThat(down.statusCode()).isEqualTo(503);
    JsonObject body = new JsonObject(down.body());
    assertThat(body.getString("status")).isEqualTo("DOWN");
    assertThat(body.getJsonObject("checks").getJsonObject("kafka").getString("detail")).isEqualTo("no partition assigned yet");
    assertThat(body.getJsonObject("checks").getJsonObject("engine").getString("status")).isEqualTo("UP");

    consuming.set(true);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/nothing").statusCode()).isEqualTo(404);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
