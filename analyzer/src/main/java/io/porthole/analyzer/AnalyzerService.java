package io.porthole.analyzer;

import io.porthole.analyzer.images.ImagesConfig;
import io.porthole.analyzer.images.kafka.ImageStages;
import io.porthole.analyzer.kafka.AnalyzerStats;
import io.porthole.analyzer.kafka.AnalyzerVerticle;
import io.porthole.runtime.ConfigException;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Objects;

/**
 * The analyzer service: consumes the event and heartbeat topics as one consumer group, runs the
 * detection rules and publishes alerts. Several instances with the same group id split the work.
 */
public final class AnalyzerService implements Lifecycle {

  private final Vertx vertx;
  private final AnalyzerConfig config;
  private final AnalyzerStats stats = new AnalyzerStats();
  // The per-image view across hosts (HOST_DIVERGENCE): its own consumer groups, see docs/divergence.md.
  private final ImageStages images;
  private String deploymentId;
  private AnalyzerVerticle verticle;

  public AnalyzerService(Vertx vertx, AnalyzerConfig config) {
    this(vertx, config, ImagesConfig.defaults());
  }

  public AnalyzerService(Vertx vertx, AnalyzerConfig config, ImagesConfig imagesConfig) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.config = Objects.requireNonNull(config, "config");
    this.images = new ImageStages(vertx, config, imagesConfig);
  }

  /**
   * Reads the configuration and builds the service (nothing connects before {@link #start()}).
   *
   * @throws ConfigException naming the first key that is wrong
   */
  public static AnalyzerService create(Vertx vertx, Settings settings) {
    return new AnalyzerService(vertx, AnalyzerConfig.from(settings), ImagesConfig.from(settings));
  }

  /** Completes once the consumer is subscribed and the publisher ready. */
  @Override
  public synchronized Future<Void> start() {
    if (deploymentId != null) {
      return Future.failedFuture(new IllegalStateException("analyzer already started"));
    }
    AnalyzerVerticle deployed = new AnalyzerVerticle(config, stats);
    return vertx.deployVerticle(deployed)
        .onSuccess(id -> {
          synchronized (this) {
            deploymentId = id;
            verticle = deployed;
          }
        })
        .compose(id -> images.start().recover(e -> stop().transform(ignored -> Future.failedFuture(e))));
  }

  /** Finishes the records in flight (bounded), commits, and closes consumer and publisher. */
  @Override
  public synchronized Future<Void> stop() {
    if (deploymentId == null) {
      return Future.succeededFuture();
    }
    String id = deploymentId;
    deploymentId = null;
    return images.stop().eventually(() -> vertx.undeploy(id));
  }

  /**
   * Stops at once as {@code kill -9} would, for fault tests: nothing more is committed and alerts not
   * yet acknowledged are dropped; a new instance re-reads from the last committed offset.
   */
  public synchronized Future<Void> abort() {
    if (deploymentId == null) {
      return Future.succeededFuture();
    }
    String id = deploymentId;
    deploymentId = null;
    return images.stop().eventually(verticle::abort).eventually(() -> vertx.undeploy(id));
  }

  public AnalyzerConfig config() {
    return config;
  }

  public AnalyzerStats stats() {
    return stats;
  }
}
