package io.porthole.controller.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookCountersTest {

  @Test
  void bindToReturnsEveryMeterItRegisteredSoThatStopCanRemoveThemAll() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    WebhookCounters counters = new WebhookCounters("pager");

    List<Meter> registered = counters.bindTo(registry);

    assertThat(registered).hasSize(6);
    assertThat(registry.getMeters()).containsExactlyInAnyOrderElementsOf(registered);
    assertThat(registry.find("porthole.controller.webhook.alerts").tag("output", "pager").meters())
        .hasSize(5);
    registered.forEach(registry::remove);
    assertThat(registry.getMeters()).isEmpty();
  }
}
