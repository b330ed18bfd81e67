package io.porthole.runtime.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The process's one Prometheus registry, shared by every service of the process (so that
 * {@code porthole up} serves all of them on one endpoint) and by Vert.x's own metrics (event loops,
 * HTTP server and client, pools), with the JVM's (memory, GC, threads, class loading, CPU, uptime).
 * Meter names follow Prometheus conventions once rendered: {@code porthole.collector.events.published}
 * registered as a counter is scraped as {@code porthole_collector_events_published_total}.
 */
public final class PortholeMetrics {

  private static final PrometheusMeterRegistry REGISTRY = create();

  private PortholeMetrics() {}

  public static PrometheusMeterRegistry registry() {
    return REGISTRY;
  }

  /** A Vert.x instance whose own metrics (event loops, HTTP, pools) go into {@link #registry()}. */
  public static Vertx newVertx(VertxOptions options) {
    return Vertx.builder()
        .with(options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(REGISTRY))
        .build();
  }

  private static PrometheusMeterRegistry create() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    bindJvm(registry);
    return registry;
  }

  private static void bindJvm(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }
}
