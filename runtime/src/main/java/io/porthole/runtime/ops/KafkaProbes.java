package io.porthole.runtime.ops;

import io.porthole.runtime.ops.Readiness.Status;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/** Readiness checks read from a Kafka client's own metrics. */
public final class KafkaProbes {

  private static final String LAST_POLL = "last-poll-seconds-ago";

  private KafkaProbes() {}

  /**
   * Ready when the consumer polled within {@code within}: its loop runs (it polls also when there
   * is nothing to fetch), so an idle topic is no reason to be unready, a stuck consumer is.
   */
  public static Supplier<Status> consuming(Consumer<?, ?> consumer, Duration within) {
    return () -> {
      double ago = lastPollSecondsAgo(consumer.metrics());
      if (ago < 0) {
        return Status.down("has not polled yet");
      }
      String detail = String.format(Locale.ROOT, "polled %.0f s ago", ago);
      return ago <= within.toSeconds()
          ? Status.up(detail)
          : Status.down(detail + " (limit " + within.toSeconds() + " s)");
    };
  }

  /** The consumer's {@code last-poll-seconds-ago}, or -1 when it never polled. */
  static double lastPollSecondsAgo(Map<MetricName, ? extends Metric> metrics) {
    for (Map.Entry<MetricName, ? extends Metric> metric : metrics.entrySet()) {
      if (LAST_POLL.equals(metric.getKey().name())
          && metric.getValue().metricValue() instanceof Number value) {
        return value.doubleValue();
      }
    }
    return -1;
  }
}
