package io.porthole.collector.docker;

import java.time.Duration;
import java.util.Objects;

/**
 * Exponential back-off between reconnect attempts: min, 2*min, 4*min, ... capped at max. Not
 * thread-safe.
 */
public final class Backoff {

  private final Duration min;
  private final Duration max;
  private Duration next;

  public Backoff(Duration min, Duration max) {
    this.min = Objects.requireNonNull(min, "min");
    this.max = Objects.requireNonNull(max, "max");
    if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "back-off needs 0 < min <= max, got " + min + " and " + max);
    }
    this.next = min;
  }

  /** The wait before the next attempt; each call doubles the following one, up to max. */
  public Duration next() {
    Duration current = next;
    Duration doubled = next.multipliedBy(2);
    next = doubled.compareTo(max) > 0 ? max : doubled;
    return current;
  }

  /** After a success: the next wait is min again. */
  public void reset() {
    next = min;
  }
}
