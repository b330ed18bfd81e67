package io.porthole.analyzer.images.kafka;

import io.porthole.analyzer.AnalyzerConfig;
import io.porthole.analyzer.images.ImagesConfig;
import io.porthole.runtime.Lifecycle;
import io.porthole.runtime.ops.PortholeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Objects;

/**
 * The analyzer's per-image view across hosts, beside its per-container analysis: the summary stage
 * and the HOST_DIVERGENCE stage, each a verticle with its own consumer group and publisher.
 */
public final class ImageStages implements Lifecycle {

  private final Vertx vertx;
  private final AnalyzerConfig analyzer;
  private final ImagesConfig config;
  private final PortholeMetrics metrics;
  private String summaryDeployment;
  private String divergenceDeployment;

  /** {@code metrics} gets each stage's consumers' own metrics (lag per partition among them). */
  public ImageStages(
      Vertx vertx, AnalyzerConfig analyzer, ImagesConfig config, PortholeMetrics metrics) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.analyzer = Objects.requireNonNull(analyzer, "analyzer");
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /** Completes once both stages are subscribed; starts nothing when the rule is disabled. */
  @Override
  public synchronized Future<Void> start() {
    if (!config.rule().settings().enabled()) {
      return Future.succeededFuture();
    }
    return vertx
        .deployVerticle(new ImageSummaryVerticle(analyzer, config, metrics))
        .compose(
            id -> {
              synchronized (this) {
                summaryDeployment = id;
              }
              return vertx.deployVerticle(new ImageDivergenceVerticle(analyzer, config, metrics));
            })
        .onSuccess(
            id -> {
              synchronized (this) {
                divergenceDeployment = id;
              }
            })
        .mapEmpty();
  }

  @Override
  public synchronized Future<Void> stop() {
    Future<Void> stopped = Future.succeededFuture();
    if (divergenceDeployment != null) {
      String id = divergenceDeployment;
      stopped = stopped.eventually(() -> vertx.undeploy(id));
    }
    if (summaryDeployment != null) {
      String id = summaryDeployment;
      stopped = stopped.eventually(() -> vertx.undeploy(id));
    }
    divergenceDeployment = null;
    summaryDeployment = null;
    return stopped;
  }
}
