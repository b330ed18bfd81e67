package io.porthole.controller;

import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Whether Kafka answers: a cluster description every few seconds, with short timeouts. */
final class KafkaProbe implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaProbe.class);
  private static final long INTERVAL_MS = 5_000;

  private final Vertx vertx;
  private final KafkaAdminClient admin;
  private final KafkaSettings kafka;
  private volatile boolean reachable;
  private long timer = -1;
  private boolean probing;

  KafkaProbe(Vertx vertx, KafkaAdminClient admin, KafkaSettings kafka) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.admin = Objects.requireNonNull(admin, "admin");
    this.kafka = Objects.requireNonNull(kafka, "kafka");
  }

  static KafkaProbe create(Vertx vertx, KafkaSettings kafka) {
    Map<String, String> config =
        kafka.adminConfig(
            "porthole-controller-probe",
            Map.of("request.timeout.ms", "3000", "default.api.timeout.ms", "4000"));
    return new KafkaProbe(vertx, KafkaAdminClient.create(vertx, config), kafka);
  }

  @Override
  public Future<Void> start() {
    timer = vertx.setPeriodic(INTERVAL_MS, id -> probe());
    return probe();
  }

  boolean reachable() {
    return reachable;
  }

  private Future<Void> probe() {
    if (probing) {
      return Future.succeededFuture();
    }
    probing = true;
    return admin
        .describeCluster()
        .map(d -> true)
        .otherwise(
            e -> {
              if (reachable) {
                LOG.warn("Kafka is not reachable: {}", kafka.scrub(e.toString()));
              }
              return false;
            })
        .map(
            ok -> {
              reachable = ok;
              probing = false;
              return (Void) null;
            });
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    return admin.close(2_000);
  }
}
