package io.porthole.runtime.ops;

import io.porthole.runtime.Lifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoint of a collector or analyzer: {@code GET /metrics} (Prometheus text),
 * {@code /health/live} (200 while the process runs) and {@code /health/ready} (200 when every
 * {@link Readiness} check passes, else 503; both with the checks as JSON). A check or a scrape that
 * throws answers 500 with the failure as JSON.
 */
public final class OpsHttpServer implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(OpsHttpServer.class);
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private final OpsHttpConfig config;
  private final PortholeMetrics metrics;
  private final Readiness readiness;
  private final String service;
  private HttpServer server;

  public OpsHttpServer(
      Vertx vertx,
      OpsHttpConfig config,
      PortholeMetrics metrics,
      Readiness readiness,
      String service) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.readiness = Objects.requireNonNull(readiness, "readiness");
    this.service = Objects.requireNonNull(service, "service");
  }

  /** Completes once listening; fails (naming the address) when the port is taken. */
  @Override
  public Future<Void> start() {
    return vertx
        .createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
        .requestHandler(this::handle)
        .listen()
        .recover(
            e ->
                Future.failedFuture(
                    new IllegalStateException(
                        service
                            + " metrics and health: cannot listen on "
                            + config.host()
                            + ":"
                            + config.port()
                            + " (http.port, http.host): "
                            + e.getMessage(),
                        e)))
        .onSuccess(
            s -> {
              server = s;
              LOG.info(
                  "{} metrics and health on http://{}:{}/metrics",
                  service,
                  config.host(),
                  s.actualPort());
            })
        .mapEmpty();
  }

  /** The port really listened on (the chosen one when {@code http.port=0}). */
  public int actualPort() {
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return server.actualPort();
  }

  @Override
  public Future<Void> stop() {
    HttpServer running = server;
    server = null;
    return running == null ? Future.succeededFuture() : running.shutdown(2, TimeUnit.SECONDS);
  }

  /**
   * Answers one request; a check or a scrape that throws (anything, an {@link Error} included) gets
   * a 500 naming the failure rather than a request that never ends.
   */
  private void handle(HttpServerRequest request) {
    try {
      route(request);
    } catch (Throwable e) { // NOPMD: any failure must still end the response
      LOG.warn("{} {} {} failed", service, request.method(), request.path(), e);
      if (!request.response().ended() && !request.response().headWritten()) {
        json(
            request,
            500,
            new JsonObject().put("status", "DOWN").put("error", request.path() + " failed: " + e));
      } else if (!request.response().ended()) {
        request.connection().close();
      }
    }
  }

  private void route(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("Allow", "GET").end();
      return;
    }
    switch (request.path()) {
      case "/metrics" ->
          request.response().putHeader("Content-Type", PROMETHEUS_TEXT).end(metrics.scrape());
      case "/health/live" -> json(request, 200, new JsonObject().put("status", "UP"));
      case "/health/ready" -> {
        Readiness.Report report = readiness.report();
        json(request, report.ready() ? 200 : 503, report.toJson());
      }
      default ->
          json(
              request,
              404,
              new JsonObject()
                  .put(
                      "error",
                      "not found: "
                          + request.path()
                          + " (this port serves /metrics, /health/live, /health/ready)"));
    }
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request
        .response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}
