package io.porthole.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition with a timeout and a poll interval, instead of {@code Thread.sleep} loops:
 * {@code Await.until("the alert arrives", Duration.ofSeconds(30), () -> alerts.size() == 1)}. On
 * timeout it fails with an {@link AssertionError} naming what was awaited, how long, and the last
 * value or exception seen.
 */
public final class Await {

  /** The poll interval unless one is given. */
  public static final Duration DEFAULT_POLL = Duration.ofMillis(50);

  private Await() {}

  /** Polls {@code condition} until it is true. */
  public static void until(String what, Duration timeout, Callable<Boolean> condition) {
    value(what, timeout, DEFAULT_POLL, condition, Boolean.TRUE::equals);
  }

  /** Polls {@code condition} every {@code poll} until it is true. */
  public static void until(
      String what, Duration timeout, Duration poll, Callable<Boolean> condition) {
    value(what, timeout, poll, condition, Boolean.TRUE::equals);
  }

  /** Polls {@code probe} until it yields a value, and returns it. */
  public static <T> T present(String what, Duration timeout, Callable<Optional<T>> probe) {
    return value(what, timeout, DEFAULT_POLL, probe, Optional::isPresent).orElseThrow();
  }

  /**
   * Polls {@code probe} every {@code poll} until {@code accepted} holds for its value, and returns
   * that value. An exception thrown by the probe counts as "not yet" and is reported on timeout.
   */
  public static <T> T value(
      String what, Duration timeout, Duration poll, Callable<T> probe, Predicate<T> accepted) {
    Objects.requireNonNull(what, "what");
    long deadline = System.nanoTime() + timeout.toNanos();
    Supplier<String> last = () -> "nothing was seen";
    while (true) {
      try {
        T value = probe.call();
        if (accepted.test(value)) {
          return value;
        }
        last = () -> "the last value was " + value;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while awaiting " + what, e);
      } catch (Exception | AssertionError e) {
        Throwable seen = e;
        last = () -> "the last attempt failed: " + seen;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError(
            "timed out after " + timeout.toMillis() + " ms awaiting " + what + "; " + last.get());
      }
      try {
        Thread.sleep(Math.max(1, poll.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while awaiting " + what, e);
      }
    }
  }
}
