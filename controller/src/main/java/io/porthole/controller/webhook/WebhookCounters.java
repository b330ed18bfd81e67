package io.porthole.controller.webhook;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * What one webhook output did with the alerts it read: every alert ends in exactly one of
 * delivered, failed (gave up), dropped (queue full) or filtered (not for this output).
 */
public final class WebhookCounters {

  private final String output;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong filtered = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong undecodable = new AtomicLong();

  public WebhookCounters(String output) {
    this.output = output;
  }

  public String output() {
    return output;
  }

  void delivered() {
    delivered.incrementAndGet();
  }

  void failed() {
    failed.incrementAndGet();
  }

  void dropped() {
    dropped.incrementAndGet();
  }

  void filtered() {
    filtered.incrementAndGet();
  }

  void retried() {
    retries.incrementAndGet();
  }

  void undecodable() {
    undecodable.incrementAndGet();
  }

  /** Alerts the endpoint accepted (a 2xx answer). */
  public long deliveredCount() {
    return delivered.get();
  }

  /** Alerts given up: every attempt failed, or the endpoint refused the request (a 4xx answer). */
  public long failedCount() {
    return failed.get();
  }

  /** Alerts dropped unsent because the queue was full (the oldest waiting go first). */
  public long droppedCount() {
    return dropped.get();
  }

  /** Alerts below the output's minimum severity or of rules it does not take. */
  public long filteredCount() {
    return filtered.get();
  }

  /** Requests repeated after a failed attempt. */
  public long retryCount() {
    return retries.get();
  }

  /** Records of the alerts topic that were not alerts. */
  public long undecodableCount() {
    return undecodable.get();
  }

  /**
   * Registers {@code porthole.controller.webhook.alerts} (tagged by output and outcome) and {@code
   * porthole.controller.webhook.retries} (by output); returns them, for removal at stop.
   */
  public List<Meter> bindTo(MeterRegistry registry) {
    return List.of(
        outcome(registry, "delivered", WebhookCounters::deliveredCount),
        outcome(registry, "failed", WebhookCounters::failedCount),
        outcome(registry, "dropped", WebhookCounters::droppedCount),
        outcome(registry, "filtered", WebhookCounters::filteredCount),
        outcome(registry, "undecodable", WebhookCounters::undecodableCount),
        FunctionCounter.builder(
                "porthole.controller.webhook.retries", this, WebhookCounters::retryCount)
            .description("Webhook requests repeated after a failed attempt")
            .tag("output", output)
            .register(registry));
  }

  private Meter outcome(
      MeterRegistry registry, String outcome, ToDoubleFunction<WebhookCounters> f) {
    return FunctionCounter.builder("porthole.controller.webhook.alerts", this, f)
        .description("Alerts read by a webhook output, by what became of them")
        .tag("output", output)
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public String toString() {
    return output
        + ": delivered "
        + delivered
        + ", failed "
        + failed
        + ", dropped "
        + dropped
        + ", filtered "
        + filtered
        + ", retries "
        + retries;
  }
}
