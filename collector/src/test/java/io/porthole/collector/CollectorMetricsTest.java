package io.porthole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class CollectorMetricsTest {

  private static final String DROPPED = "porthole_collector_events_dropped_total";

  @Test
  void everyDropIsCountedBySourceAndReasonFromTheStatsAtScrapeTime() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    CollectorStats stats = new CollectorStats();
    CollectorMetrics metrics = CollectorMetrics.bind(registry, stats);

    String zero = registry.scrape();
    for (String series :
        new String[] {
          "{reason=\"backpressure\",source=\"docker\"} 0.0",
          "{reason=\"backpressure\",source=\"strace\"} 0.0",
          "{reason=\"backpressure\",source=\"packets\"} 0.0",
          "{reason=\"batch_limit\",source=\"strace\"} 0.0",
          "{reason=\"unparsed\",source=\"strace\"} 0.0",
          "{reason=\"unfinished_evicted\",source=\"strace\"} 0.0",
          "{reason=\"libpcap\",source=\"packets\"} 0.0",
          "{reason=\"interface\",source=\"packets\"} 0.0",
          "{reason=\"overwritten\",source=\"kmsg\"} 0.0"
        }) {
      assertThat(zero).as("every series exists from the start").contains(DROPPED + series);
    }
    assertThat(zero).contains("porthole_collector_kafka_send_failures_total 0.0");

    stats.dockerEventsDroppedBackpressure.set(2);
    stats.syscallBatchesDroppedBackpressure.set(3);
    stats.flowRecordsDroppedBackpressure.set(4);
    stats.syscallEventsDroppedBatchLimit.set(5);
    stats.straceLinesUnparsed.set(6);
    stats.syscallsDroppedUnfinished.set(7);
    stats.pcapDropped.set(8);
    stats.pcapInterfaceDropped.set(9);
    stats.kmsgRecordsLost.set(10);
    String moved = registry.scrape();
    assertThat(moved)
        .contains(DROPPED + "{reason=\"backpressure\",source=\"docker\"} 2.0")
        .contains(DROPPED + "{reason=\"backpressure\",source=\"strace\"} 3.0")
        .contains(DROPPED + "{reason=\"backpressure\",source=\"packets\"} 4.0")
        .contains(DROPPED + "{reason=\"batch_limit\",source=\"strace\"} 5.0")
        .contains(DROPPED + "{reason=\"unparsed\",source=\"strace\"} 6.0")
        .contains(DROPPED + "{reason=\"unfinished_evicted\",source=\"strace\"} 7.0")
        .contains(DROPPED + "{reason=\"libpcap\",source=\"packets\"} 8.0")
        .contains(DROPPED + "{reason=\"interface\",source=\"packets\"} 9.0")
        .contains(DROPPED + "{reason=\"overwritten\",source=\"kmsg\"} 10.0");

    metrics.remove();
    assertThat(registry.scrape()).doesNotContain("porthole_collector_");
  }
}
