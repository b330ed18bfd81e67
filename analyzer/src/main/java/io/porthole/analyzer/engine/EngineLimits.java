package io.porthole.analyzer.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the engine's state: at most {@code maxContainers} containers and {@code maxHosts} hosts
 * (the least recently active is evicted and counted), and containers or hosts without a record for
 * their idle expiry are forgotten.
 */
public record EngineLimits(
    int maxContainers, Duration containerIdleExpiry, int maxHosts, Duration hostIdleExpiry) {

  public EngineLimits {
    Objects.requireNonNull(containerIdleExpiry, "containerIdleExpiry");
    Objects.requireNonNull(hostIdleExpiry, "hostIdleExpiry");
    if (maxContainers < 1 || maxHosts < 1) {
      throw new IllegalArgumentException("maxContainers and maxHosts must be positive");
    }
  }

  public static EngineLimits defaults() {
    return new EngineLimits(10_000, Duration.ofMinutes(15), 10_000, Duration.ofHours(1));
  }
}
