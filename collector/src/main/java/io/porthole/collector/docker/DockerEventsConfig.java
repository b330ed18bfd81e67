package io.porthole.collector.docker;

import io.porthole.collector.CollectorConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * The Docker events source's own settings, part of the {@link CollectorConfig}.
 *
 * @param reconnectMinBackoff first wait before reconnecting a broken events stream ({@code
 *     docker.reconnect.backoff.min})
 * @param reconnectMaxBackoff longest wait between reconnect attempts ({@code
 *     docker.reconnect.backoff.max})
 * @param positionFlushInterval the longest time between saves of the stream position ({@code
 *     collector.position.flush.interval})
 */
public record DockerEventsConfig(
    Duration reconnectMinBackoff, Duration reconnectMaxBackoff, Duration positionFlushInterval) {

  public DockerEventsConfig {
    Objects.requireNonNull(reconnectMinBackoff, "reconnectMinBackoff");
    Objects.requireNonNull(reconnectMaxBackoff, "reconnectMaxBackoff");
    Objects.requireNonNull(positionFlushInterval, "positionFlushInterval");
  }

  /** The source's settings among the collector's. */
  public static DockerEventsConfig from(CollectorConfig config) {
    return new DockerEventsConfig(
        config.reconnectMinBackoff(), config.reconnectMaxBackoff(), config.positionFlushInterval());
  }
}
