package io.porthole.controller.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The HTTP router, built from the OpenAPI document (the source of truth for paths, parameters and
 * bodies, which it validates: see {@link RequestValidation}), with the bearer-token check and the
 * body limit in front of every route and one JSON error shape for every failure.
 */
public final class ApiRouter {

  private ApiRouter() {}

  public static Future<Router> create(
      Vertx vertx,
      ApiHandlers handlers,
      BearerTokenAuth auth,
      long bodyLimitBytes,
      PrometheusMeterRegistry registry) {
    OpenApiDocument openApi = OpenApiDocument.load();
    Buffer document = Buffer.buffer(openApi.yaml());
    return OpenAPIContract.from(vertx, openApi.forRouter())
        .map(
            parsed -> {
              OpenAPIContract contract = new SchemaValidatorsOnce(parsed);
              RouterBuilder builder =
                  RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
              // Vert.x orders handlers by kind: platform, body, authentication, then the
              // operation's.
              builder.rootHandler(new RequestCounter(registry));
              builder.rootHandler(BodyHandler.create(false).setBodyLimit(bodyLimitBytes));
              builder.rootHandler(auth);
              Map<String, Handler<RoutingContext>> operations =
                  Map.ofEntries(
                      Map.entry("live", handlers::live),
                      Map.entry("ready", handlers::ready),
                      Map.entry("metrics", PrometheusScrapingHandler.create(registry)),
                      Map.entry(
                          "openapiDocument",
                          rc ->
                              rc.response()
                                  .putHeader("Content-Type", "application/yaml")
                                  .end(document)),
                      Map.entry("whoami", WhoAmI::handle),
                      Map.entry("listHosts", handlers::hosts),
                      Map.entry("listContainers", handlers::containers),
                      Map.entry("listAlerts", handlers::alerts),
                      Map.entry("listImages", new ImagesHandler(handlers.views())::list),
                      Map.entry("streamAlerts", handlers::alertStream),
                      Map.entry("createRemediation", handlers::createRemediation),
                      Map.entry("listRemediations", handlers::remediations),
                      Map.entry("getRemediation", handlers::remediation),
                      Map.entry("getRemediationArtifact", handlers::artifact));
              Errors errors = new Errors();
              for (OpenAPIRoute route : builder.getRoutes()) {
                String operationId = route.getOperation().getOperationId();
                Handler<RoutingContext> handler = operations.get(operationId);
                if (handler == null) {
                  throw new IllegalStateException("no handler for operation " + operationId);
                }
                route
                    .setDoSecurity(false)
                    .setDoValidation(false)
                    .addHandler(new RequestValidation(vertx, contract, route.getOperation()))
                    .addHandler(handler)
                    .addFailureHandler(errors);
              }
              Router router = builder.createRouter();
              ConsoleRoutes.mount(router);
              router.route().failureHandler(errors);
              router.errorHandler(404, rc -> Errors.byStatus(rc, 404, null));
              router.errorHandler(405, rc -> Errors.byStatus(rc, 405, null));
              router.errorHandler(413, rc -> Errors.byStatus(rc, 413, null));
              return router;
            });
  }

  /**
   * Counts answered requests by status class. Each class's counter is looked up in the registry
   * once (when its first request ends, so /metrics shows only classes that occurred) and kept,
   * instead of building a meter id and looking it up in the registry for every request.
   */
  private static final class RequestCounter implements PlatformHandler {
    private final PrometheusMeterRegistry registry;
    // Index: status / 100 (1xx to 5xx). Racy initialisation is harmless: register() returns the
    // one meter the registry holds for the id.
    private final AtomicReferenceArray<Counter> byClass = new AtomicReferenceArray<>(6);

    RequestCounter(PrometheusMeterRegistry registry) {
      this.registry = registry;
    }

    @Override
    public void handle(RoutingContext rc) {
      rc.addEndHandler(v -> counter(rc.response().getStatusCode() / 100).increment());
      rc.next();
    }

    private Counter counter(int statusClass) {
      boolean cached = statusClass >= 1 && statusClass < byClass.length();
      Counter counter = cached ? byClass.get(statusClass) : null;
      if (counter == null) {
        counter =
            Counter.builder("porthole.controller.http.requests")
                .description("HTTP requests answered, by status class")
                .tag("status", statusClass + "xx")
                .register(registry);
        if (cached) {
          byClass.set(statusClass, counter);
        }
      }
      return counter;
    }
  }
}
