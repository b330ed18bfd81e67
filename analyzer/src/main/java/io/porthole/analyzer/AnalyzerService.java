package io.porthole.analyzer;

import io.porthole.analyzer.images.ImagesConfig;
import io.porthole.analyzer.images.kafka.ImageStages;
import io.porthole.analyzer.kafka.AnalyzerStats;
import io.porthole.analyzer.kafka.AnalyzerVerticle;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.porthole.runtime.ops.OpsHttpConfig;
import io.porthole.runtime.ops.OpsHttpServer;
import io.porthole.runtime.ops.PortholeMetrics;
import io.porthole.runtime.ops.Readiness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Objects;
import java.util.Optional;

/**
 * The analyzer service: consumes the event and heartbeat topics as one consumer group, runs the
 * detection rules and publishes alerts. Several instances with the same group id split the work.
 */
public final class AnalyzerService implements Lifecycle {

  private final Vertx vertx;
  private final AnalyzerConfig config;
  private final AnalyzerStats stats = new AnalyzerStats();
  // The per-image view across hosts (HOST_DIVERGENCE): its own consumer groups, see
  // docs/divergence.md.
  private final ImageStages images;
  private final PortholeMetrics metrics;
  private final Readiness readiness;
  private final OpsHttpServer opsServer;
  private String deploymentId;
  private AnalyzerVerticle verticle;

  public AnalyzerService(Vertx vertx, AnalyzerConfig config) {
    this(vertx, config, ImagesConfig.defaults());
  }

  public AnalyzerService(Vertx vertx, AnalyzerConfig config, ImagesConfig imagesConfig) {
    this(vertx, config, imagesConfig, Optional.empty());
  }

  /**
   * @param ops where to serve {@code /metrics} and {@code /health/*}; empty when the process serves
   *     them elsewhere (the controller in {@code porthole up}) or not at all
   */
  public AnalyzerService(
      Vertx vertx, AnalyzerConfig config, ImagesConfig imagesConfig, Optional<OpsHttpConfig> ops) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = PortholeMetrics.of(vertx);
    this.images = new ImageStages(vertx, config, imagesConfig, metrics);
    this.readiness = Readiness.of(vertx);
    this.opsServer =
        ops.map(o -> new OpsHttpServer(vertx, o, metrics, readiness, "analyzer")).orElse(null);
  }

  /**
   * Reads the configuration and builds the service (nothing connects before {@link #start()}).
   *
   * @throws ConfigException naming the first key that is wrong
   */
  public static AnalyzerService create(Vertx vertx, Settings settings) {
    return new AnalyzerService(
        vertx,
        AnalyzerConfig.from(settings),
        ImagesConfig.from(settings),
        OpsHttpConfig.from(settings));
  }

  /** Completes once the consumer is subscribed and the publisher ready. */
  @Override
  public synchronized Future<Void> start() {
    if (deploymentId != null) {
      return Future.failedFuture(new IllegalStateException("analyzer already started"));
    }
    AnalyzerVerticle deployed = new AnalyzerVerticle(config, stats);
    stats.bindTo(metrics, readiness, checkName());
    Future<Void> ops = opsServer == null ? Future.succeededFuture() : opsServer.start();
    return ops.compose(v -> vertx.deployVerticle(deployed))
        .onFailure(e -> stopOps())
        .onSuccess(
            id -> {
              synchronized (this) {
                deploymentId = id;
                verticle = deployed;
              }
            })
        .compose(
            id -> images.start().recover(e -> stop().transform(ignored -> Future.failedFuture(e))));
  }

  /** Finishes the records in flight (bounded), commits, and closes consumer and publisher. */
  @Override
  public synchronized Future<Void> stop() {
    if (deploymentId == null) {
      return Future.succeededFuture();
    }
    String id = deploymentId;
    deploymentId = null;
    return images.stop().eventually(() -> vertx.undeploy(id)).eventually(this::stopOps);
  }

  /**
   * Stops at once as {@code kill -9} would, for fault tests: nothing more is committed and alerts
   * not yet acknowledged are dropped; a new instance re-reads from the last committed offset.
   */
  public synchronized Future<Void> abort() {
    if (deploymentId == null) {
      return Future.succeededFuture();
    }
    String id = deploymentId;
    deploymentId = null;
    return images
        .stop()
        .eventually(verticle::abort)
        .eventually(() -> vertx.undeploy(id))
        .eventually(this::stopOps);
  }

  private Future<Void> stopOps() {
    stats.unbind(metrics, readiness, checkName());
    return opsServer == null ? Future.succeededFuture() : opsServer.stop();
  }

  private String checkName() {
    return "analyzer " + config.groupId();
  }

  /** The port of the metrics and health endpoint, or -1 when this analyzer serves none. */
  public int opsPort() {
    return opsServer == null ? -1 : opsServer.actualPort();
  }

  public AnalyzerConfig config() {
    return config;
  }

  public AnalyzerStats stats() {
    return stats;
  }
}
