package io.porthole.controller;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.porthole.controller.http.AlertStream;
import io.porthole.controller.http.ApiHandlers;
import io.porthole.controller.http.ApiRouter;
import io.porthole.controller.http.BearerTokenAuth;
import io.porthole.controller.remediation.RemediationPlanner;
import io.porthole.controller.view.RemediationsView;
import io.porthole.controller.view.ViewLoader;
import io.porthole.controller.view.Views;
import io.porthole.controller.webhook.WebhookOutputs;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.porthole.runtime.kafka.RecordPublisher;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.runtime.ops.Readiness;
import io.porthole.wire.Topic;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller: views of hosts, containers, alerts and remediations rebuilt from Kafka at every
 * start, the REST API over them (with the alert stream), and signed remediation commands.
 */
public final class ControllerService implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);
  private static final long KEEP_ALIVE_MS = 15_000;

  private final Vertx vertx;
  private final ControllerConfig config;
  private final Views views;
  private final AlertStream alertStream;
  private final ViewLoader loader;
  private final RecordPublisher publisher;
  private final KafkaProbe kafkaProbe;
  private final ApiHandlers handlers;
  private final PrometheusMeterRegistry registry;
  private final WebhookOutputs webhooks;
  // Removed at stop: the registry is the process's, and a later controller on it registers its own.
  private final List<Meter> meters = new ArrayList<>();
  private HttpServer server;
  private long keepAliveTimer = -1;

  ControllerService(Vertx vertx, ControllerConfig config) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.views = Views.create(config.views(), config.issuedCommands());
    this.alertStream = new AlertStream(config.sseMaxClients(), config.sseReplayMax());
    this.loader =
        ViewLoader.create(vertx, config.kafka(), config.topics(), views, alertStream::publish);
    this.publisher =
        RecordPublisher.create(
            vertx, config.kafka(), "porthole-controller", config.topics(), 1_000);
    this.kafkaProbe = KafkaProbe.create(vertx, config.kafka());
    RemediationPlanner planner =
        new RemediationPlanner(
            views.containers(), views.hosts(), config.signer(), config.commandTtl());
    this.handlers =
        new ApiHandlers(
            views,
            planner,
            publisher,
            alertStream,
            new ApiHandlers.Checks(kafkaProbe::reachable, loader::caughtUp, loader.progress()),
            Clock.systemUTC(),
            Readiness.of(vertx));
    this.webhooks =
        new WebhookOutputs(
            vertx,
            config.webhooks(),
            config.kafka(),
            config.topics().name(Topic.ALERTS),
            config.topics().prefix());
    publisher.bindMetrics(PortholeMetrics.of(vertx), "controller");
    loader.bindMetrics(PortholeMetrics.of(vertx));
    this.registry = PortholeMetrics.of(vertx).registry();
    registerMeters(registry);
    meters.addAll(webhooks.bindTo(registry));
  }

  /**
   * A controller configured from settings.
   *
   * @throws io.porthole.runtime.ConfigException naming the key when a setting is missing or wrong
   */
  public static ControllerService create(Vertx vertx, Settings settings) {
    ControllerSettingDefinitions.rejectUnknown(settings);
    return new ControllerService(vertx, ControllerConfig.from(settings));
  }

  public static ControllerService create(Vertx vertx, ControllerConfig config) {
    return new ControllerService(vertx, config);
  }

  /** Starts the HTTP server, then the Kafka probe and the rebuild of the views from the topics. */
  @Override
  public Future<Void> start() {
    BearerTokenAuth auth = new BearerTokenAuth(config.tokens());
    return ApiRouter.create(vertx, handlers, auth, config.bodyLimitBytes(), registry)
        .compose(
            router ->
                vertx
                    .createHttpServer(
                        new HttpServerOptions()
                            .setHost(config.httpHost())
                            .setPort(config.httpPort()))
                    .requestHandler(router)
                    .listen())
        .compose(
            listening -> {
              server = listening;
              LOG.info("controller API listening on {} ({})", listenAddress(), config);
              keepAliveTimer = vertx.setPeriodic(KEEP_ALIVE_MS, id -> alertStream.keepAlive());
              return publisher.start();
            })
        .compose(v -> kafkaProbe.start())
        .compose(v -> loader.start())
        .compose(v -> webhooks.start());
  }

  /** The port the API listens on (the ephemeral one when {@code http.port} is 0). */
  public int actualPort() {
    if (server == null) {
      throw new IllegalStateException("controller not started");
    }
    return server.actualPort();
  }

  /**
   * The address the API really listens on, as {@code http://HOST:PORT} (IPv6 hosts in brackets).
   */
  public String listenAddress() {
    String host = config.httpHost();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + actualPort();
  }

  /** The views have caught up with the topics and Kafka answers. */
  public boolean ready() {
    return loader.caughtUp() && kafkaProbe.reachable();
  }

  /** The webhook outputs of alerts (none when {@code alerts.webhook.*} is unset). */
  public WebhookOutputs webhooks() {
    return webhooks;
  }

  public ControllerConfig config() {
    return config;
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(keepAliveTimer);
    meters.forEach(registry::remove);
    meters.clear();
    alertStream.closeAll();
    Future<Void> http =
        server == null ? Future.succeededFuture() : server.shutdown(5, TimeUnit.SECONDS);
    return Future.join(http, webhooks.stop(), loader.stop(), publisher.stop(), kafkaProbe.stop())
        .mapEmpty();
  }

  private void registerMeters(MeterRegistry meters) {
    gauge(meters, "porthole.controller.view.hosts", views, v -> v.hosts().size());
    gauge(meters, "porthole.controller.view.containers", views, v -> v.containers().size());
    gauge(meters, "porthole.controller.view.alerts", views, v -> v.alerts().size());
    gauge(meters, "porthole.controller.view.remediations", views, v -> v.remediations().size());
    gauge(
        meters,
        "porthole.controller.view.artifact.bytes",
        views,
        v -> v.remediations().artifactBytesHeld());
    gauge(meters, "porthole.controller.views.caught.up", loader, l -> l.caughtUp() ? 1 : 0);
    gauge(meters, "porthole.controller.kafka.reachable", kafkaProbe, p -> p.reachable() ? 1 : 0);
    gauge(meters, "porthole.controller.alert.stream.clients", alertStream, AlertStream::clients);
    counter(meters, "porthole.controller.records.applied", loader, ViewLoader::recordsApplied);
    counter(
        meters, "porthole.controller.records.undecodable", loader, ViewLoader::recordsUndecodable);
    counter(meters, "porthole.controller.commands.issued", handlers, ApiHandlers::commandsIssued);
    counter(meters, "porthole.controller.commands.failed", handlers, ApiHandlers::commandsFailed);
    counter(
        meters, "porthole.controller.alert.stream.events", alertStream, AlertStream::eventsSent);
    counter(
        meters,
        "porthole.controller.alert.stream.slow.clients.closed",
        alertStream,
        AlertStream::slowClientsClosed);
    counter(
        meters,
        "porthole.controller.artifact.chunks.rejected",
        views,
        v -> v.remediations().rejectedChunks());
    counter(
        meters,
        "porthole.controller.commands.unverified",
        views,
        v -> v.remediations().unverifiedCommands());
    for (RemediationsView.Ignored reason : RemediationsView.Ignored.values()) {
      this.meters.add(
          FunctionCounter.builder(
                  "porthole.controller.results.ignored",
                  views,
                  v -> v.remediations().ignoredResults(reason))
              .tag("reason", reason.name().toLowerCase(Locale.ROOT))
              .register(meters));
    }
  }

  private <T> void gauge(MeterRegistry registry, String name, T target, ToDoubleFunction<T> value) {
    meters.add(Gauge.builder(name, target, value).strongReference(true).register(registry));
  }

  private <T> void counter(
      MeterRegistry registry, String name, T target, ToDoubleFunction<T> value) {
    meters.add(FunctionCounter.builder(name, target, value).register(registry));
  }
}
