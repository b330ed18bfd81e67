package io.porthole.collector;

import io.porthole.runtime.Lifecycle;
import io.vertx.core.Future;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source the collector can do without (packet capture without CAP_NET_RAW or without a Docker
 * bridge, say): when it fails to start, the failure is logged as one line, reported in the
 * heartbeat's degraded sources, and the rest of the collector keeps running.
 */
final class OptionalSource implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(OptionalSource.class);

  private final String name;
  private final Lifecycle source;
  private final CollectorStats stats;
  private boolean running;

  OptionalSource(String name, Lifecycle source, CollectorStats stats) {
    this.name = Objects.requireNonNull(name, "name");
    this.source = Objects.requireNonNull(source, "source");
    this.stats = Objects.requireNonNull(stats, "stats");
  }

  @Override
  public Future<Void> start() {
    return source
        .start()
        .onSuccess(v -> running = true)
        .recover(
            e -> {
              String reason = e.getMessage() == null ? e.toString() : e.getMessage();
              LOG.warn("{} unavailable, the collector runs without it: {}", name, reason);
              stats.markDegraded(name, reason);
              return Future.succeededFuture();
            });
  }

  @Override
  public Future<Void> stop() {
    if (!running) {
      return Future.succeededFuture();
    }
    running = false;
    return source.stop();
  }
}
