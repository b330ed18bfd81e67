package io.porthole.runtime.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.porthole.runtime.Lifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoint of a service that has no HTTP API of its own (collector, analyzer):
 * {@code GET /metrics} (Prometheus text format), {@code GET /health/live} (the process answers) and
 * {@code GET /health/ready} (200 when every {@link Readiness} check passes, 503 otherwise, with each
 * check's status). No authentication: bind it to an address only the monitoring can reach
 * ({@code http.host}).
 */
public final class OpsHttpServer implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(OpsHttpServer.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private final String service;
  private final String host;
  private final int port;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private HttpServer server;

  public OpsHttpServer(
      Vertx vertx, String service, String host, int port, PrometheusMeterRegistry registry, Readiness readiness) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.service = Objects.requireNonNull(service, "service");
    this.host = Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535");
    }
    this.port = port;
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readiness = Objects.requireNonNull(readiness, "readiness");
  }

  @Override
  public Future<Void> start() {
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(this::handle)
        .listen()
        .map(listening -> {
          server = listening;
          LOG.info("{} metrics and health on http://{}:{}", service, host, listening.actualPort());
          return null;
        });
  }

  /** The port it listens on (the ephemeral one when configured with 0). */
  public int actualPort() {
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return server.actualPort();
  }

  @Override
  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(2, TimeUnit.SECONDS);
  }

  private void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
      return;
    }
    switch (request.path()) {
      case "/metrics" -> request.response().putHeader("Content-Type", PROMETHEUS_TEXT).end(registry.scrape());
      case "/health/live" -> json(request, 200, new JsonObject().put("status", "UP").put("service", service));
      case "/health/ready" -> ready(request);
      default -> json(request, 404, new JsonObject().put("error", "not found: " + request.path())
          .put("paths", "/metrics, /health/live, /health/ready"));
    }
  }

  private void ready(HttpServerRequest request) {
    Readiness.Report report = readiness.evaluate();
    JsonObject checks = new JsonObject();
    for (Map.Entry<String, Readiness.Status> check : report.checks().entrySet()) {
      checks.put(check.getKey(), new JsonObject()
          .put("status", check.getValue().ready() ? "UP" : "DOWN")
          .put("detail", check.getValue().detail()));
    }
    json(request, report.ready() ? 200 : 503, new JsonObject()
        .put("status", report.ready() ? "UP" : "DOWN").put("service", service).put("checks", checks));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
