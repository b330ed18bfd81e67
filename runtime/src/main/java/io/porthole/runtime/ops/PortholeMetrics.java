package io.porthole.runtime.ops;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The Prometheus registry of a process, with JVM and process metrics bound; one per Vert.x instance
 * ({@link #of(Vertx)}) so that every service on it (all of them in {@code porthole up}) reports
 * into the same registry and one {@code /metrics} shows them all. A Vert.x made by {@link
 * #newVertx()} also reports its own metrics ({@code vertx_*}: event loops, HTTP server and client,
 * pools).
 */
public final class PortholeMetrics implements Shareable {

  static final String SHARED_MAP = "porthole.ops";
  private static final String KEY = "metrics";

  // Kafka registers a partition's metrics (records-lag) when first fetching from it; the binder
  // picks up new client metrics at each refresh (60 s by default, too late for a new assignment).
  private static final Duration REFRESH = Duration.ofSeconds(10);

  private final PrometheusMeterRegistry registry;

  private PortholeMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /** A new registry with the JVM and process binders. */
  public static PortholeMetrics create() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MeterBinder[] binders = {
      new JvmMemoryMetrics(),
      new JvmGcMetrics(),
      new JvmThreadMetrics(),
      new ClassLoaderMetrics(),
      new ProcessorMetrics(),
      new UptimeMetrics(),
      new FileDescriptorMetrics()
    };
    for (MeterBinder binder : binders) {
      binder.bindTo(registry);
    }
    return new PortholeMetrics(registry);
  }

  /** A Vert.x instance whose own metrics go to a new registry, which {@link #of} then returns. */
  public static Vertx newVertx() {
    PortholeMetrics metrics = create();
    VertxOptions options =
        new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
    Vertx vertx =
        Vertx.builder()
            .with(options)
            .withMetrics(new MicrometerMetricsFactory(metrics.registry))
            .build();
    attach(vertx, metrics);
    return vertx;
  }

  /** The registry of the services on this Vert.x instance (created on first use). */
  public static PortholeMetrics of(Vertx vertx) {
    synchronized (PortholeMetrics.class) {
      LocalMap<String, PortholeMetrics> map = vertx.sharedData().getLocalMap(SHARED_MAP);
      PortholeMetrics existing = map.get(KEY);
      if (existing == null) {
        existing = create();
        map.put(KEY, existing);
      }
      return existing;
    }
  }

  private static void attach(Vertx vertx, PortholeMetrics metrics) {
    synchronized (PortholeMetrics.class) {
      vertx.sharedData().<String, PortholeMetrics>getLocalMap(SHARED_MAP).put(KEY, metrics);
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Binds a producer's own metrics ({@code kafka_producer_*}); close the result when the producer
   * closes, which removes its meters and stops their refresh.
   */
  public KafkaClientMetrics bindKafkaProducer(Producer<?, ?> producer) {
    KafkaClientMetrics binder =
        new ClientMetrics(Objects.requireNonNull(producer, "producer"), new KafkaClientRefresh());
    binder.bindTo(registry);
    return binder;
  }

  /**
   * Binds a consumer's own metrics ({@code kafka_consumer_*}, among them the lag of each assigned
   * partition: {@code kafka_consumer_fetch_manager_records_lag{topic,partition}}); close the result
   * when the consumer closes, which removes its meters and stops their refresh.
   */
  public KafkaClientMetrics bindKafkaConsumer(Consumer<?, ?> consumer) {
    KafkaClientMetrics binder =
        new ClientMetrics(Objects.requireNonNull(consumer, "consumer"), new KafkaClientRefresh());
    binder.bindTo(registry);
    return binder;
  }

  /** Refreshes of client meters scheduled on the shared thread now (for tests). */
  static int refreshesScheduled() {
    return KafkaClientRefresh.SHARED.getQueue().size();
  }

  /**
   * A client's meters, refreshed every {@code REFRESH} on the shared thread; closing them also
   * cancels that refresh ({@link KafkaClientRefresh}).
   */
  private static final class ClientMetrics extends KafkaClientMetrics {
    private final KafkaClientRefresh refresh;

    ClientMetrics(Consumer<?, ?> consumer, KafkaClientRefresh refresh) {
      super(consumer, List.of(), refresh, REFRESH);
      this.refresh = refresh;
    }

    ClientMetrics(Producer<?, ?> producer, KafkaClientRefresh refresh) {
      super(producer, List.of(), refresh, REFRESH);
      this.refresh = refresh;
    }

    @Override
    public void close() {
      refresh.cancelAll();
      super.close();
    }
  }
}
