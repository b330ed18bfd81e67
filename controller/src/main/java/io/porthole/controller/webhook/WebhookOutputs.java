package io.porthole.controller.webhook;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.porthole.runtime.KafkaSettings;
import io.porthole.runtime.Lifecycle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The alert outputs of the controller: one {@link WebhookOutputVerticle} per configured webhook,
 * each with its own consumer group on the alerts topic, so a slow or failing endpoint delays
 * neither the others nor anything else (the analyzer publishes alerts whatever the outputs do).
 */
public final class WebhookOutputs implements Lifecycle {

  private final Vertx vertx;
  private final List<WebhookOutputVerticle> outputs = new ArrayList<>();
  private final List<WebhookCounters> counters = new ArrayList<>();
  private final List<String> deployments = new ArrayList<>();

  /**
   * @param topicPrefix the prefix of the topic names, also put before the consumer groups'
   */
  public WebhookOutputs(
      Vertx vertx,
      List<WebhookSettings> settings,
      KafkaSettings kafka,
      String alertsTopic,
      String topicPrefix) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    for (WebhookSettings output : settings) {
      WebhookCounters count = new WebhookCounters(output.name());
      counters.add(count);
      outputs.add(
          new WebhookOutputVerticle(
              output, kafka, alertsTopic, groupId(topicPrefix, output), count));
    }
  }

  /** {@code porthole-controller-webhook-NAME}, after the topic prefix. */
  public static String groupId(String topicPrefix, WebhookSettings output) {
    return topicPrefix + "porthole-controller-webhook-" + output.name();
  }

  @Override
  public synchronized Future<Void> start() {
    Future<Void> chain = Future.succeededFuture();
    for (WebhookOutputVerticle output : outputs) {
      chain =
          chain.compose(
              v ->
                  vertx
                      .deployVerticle(output)
                      .map(
                          id -> {
                            synchronized (this) {
                              deployments.add(id);
                            }
                            return null;
                          }));
    }
    return chain;
  }

  @Override
  public synchronized Future<Void> stop() {
    List<Future<Void>> undeployed = new ArrayList<>();
    deployments.forEach(id -> undeployed.add(vertx.undeploy(id)));
    deployments.clear();
    return Future.join(undeployed).mapEmpty();
  }

  /**
   * Every output's group has been assigned its partitions (alerts published from now on are sent).
   */
  public boolean assigned() {
    return outputs.stream().allMatch(WebhookOutputVerticle::assigned);
  }

  public List<WebhookCounters> counters() {
    return List.copyOf(counters);
  }

  /**
   * Registers every output's counters and a gauge of its queued alerts; returns them, for removal
   * at stop.
   */
  public List<Meter> bindTo(MeterRegistry registry) {
    List<Meter> registered = new ArrayList<>();
    for (int i = 0; i < outputs.size(); i++) {
      WebhookOutputVerticle output = outputs.get(i);
      registered.addAll(counters.get(i).bindTo(registry));
      registered.add(
          Gauge.builder("porthole.controller.webhook.queued", output, WebhookOutputVerticle::queued)
              .description("Alerts waiting for delivery by a webhook output")
              .tag("output", counters.get(i).output())
              .strongReference(true)
              .register(registry));
    }
    return registered;
  }
}
