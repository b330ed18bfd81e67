package io.porthole.collector.packets;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds and timing of a {@link FlowTable}.
 *
 * @param flushInterval how often active flows are reported (one record per flow per interval)
 * @param idleTimeout a flow without packets for this long has ended
 * @param maxFlows flows tracked at once; when full, the least recently seen flow is evicted
 * @param excerptBytes application bytes kept per direction of each flow (0: none)
 */
public record FlowTableSettings(
    Duration flushInterval, Duration idleTimeout, int maxFlows, int excerptBytes) {

  public static final int MAX_FLOWS_LIMIT = 1_000_000;
  public static final int MAX_EXCERPT_BYTES = 4096;

  public FlowTableSettings {
    Objects.requireNonNull(flushInterval, "flushInterval");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("flushInterval must be positive");
    }
    if (idleTimeout.compareTo(flushInterval) < 0) {
      throw new IllegalArgumentException("idleTimeout must not be shorter than flushInterval");
    }
    if (maxFlows < 1 || maxFlows > MAX_FLOWS_LIMIT) {
      throw new IllegalArgumentException("maxFlows must be from 1 to " + MAX_FLOWS_LIMIT);
    }
    if (excerptBytes < 0 || excerptBytes > MAX_EXCERPT_BYTES) {
      throw new IllegalArgumentException("excerptBytes must be from 0 to " + MAX_EXCERPT_BYTES);
    }
  }

  /** 5 s flush, 60 s idle timeout, 65536 flows, 256-byte excerpts. */
  public static FlowTableSettings defaults() {
    return new FlowTableSettings(Duration.ofSeconds(5), Duration.ofSeconds(60), 65_536, 256);
  }
}
