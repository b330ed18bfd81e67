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
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Map;

/**
 * The HTTP router, built from the OpenAPI document (the source of truth for paths, parameters and
 * bodies, which it validates), with the bearer-token check and the body limit in front of every
 * route and one JSON error shape for every failure.
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
            contract -> {
              RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
              // Vert.x orders handlers by kind: platform, body, authentication, then the operation's.
              builder.rootHandler(new RequestCounter(registry));
              builder.rootHandler(BodyHandler.create(false).setBodyLimit(bodyLimitBytes));
              builder.rootHandler(auth);
              Map<String, Handler<RoutingContext>> operations =
                  Map.ofEntries(
                      Map.entry("live", handlers::live),
                      Map.entry("ready", handlers::ready),
                      Map.entry("metrics", PrometheusScrapingHandler.create(registry)),
                      Map.entry("openapiDocument", rc -> rc.response().putHeader("Content-Type", "application/yaml").end(document)),
                      Map.entry("listHosts", handlers::hosts),
                      Map.entry("listContainers", handlers::containers),
                      Map.entry("listAlerts", handlers::alerts),
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
                route.setDoSecurity(false).addHandler(handler).addFailureHandler(errors);
              }
              Router router = builder.createRouter();
              router.get("/").handler(rc -> rc.reroute("/index.html"));
              router.get("/*").handler(StaticHandler.create("porthole-controller/web"));
              router.route().failureHandler(errors);
              router.errorHandler(404, rc -> Errors.byStatus(rc, 404, null));
              router.errorHandler(405, rc -> Errors.byStatus(rc, 405, null));
              router.errorHandler(413, rc -> Errors.byStatus(rc, 413, null));
              return router;
            });
  }

  /** Counts answered requests by status class. */
  private static final class RequestCounter implements PlatformHandler {
    private final PrometheusMeterRegistry registry;

    RequestCounter(PrometheusMeterRegistry registry) {
      this.registry = registry;
    }

    @Override
    public void handle(RoutingContext rc) {
      rc.addEndHandler(
          v ->
              Counter.builder("porthole.controller.http.requests")
                  .description("HTTP requests answered, by status class")
                  .tag("status", (rc.response().getStatusCode() / 100) + "xx")
                  .register(registry)
                  .increment());
      rc.next();
    }
  }
}
