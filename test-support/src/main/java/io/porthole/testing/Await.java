package io.porthole.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition with a timeout and a poll interval, instead of {@code Thread.sleep} loops:
 * {@code Await.until("the alert arrives", Duration.ofSeconds(30), () -> alerts.size() == 1)}. On
 * timeout it fails with an {@link AssertionError} naming what was awaited, how long, and the last
 * value or exception seen.
 *
 * <p>For more, {@link #awaiting(String, Duration)}: {@code Await.awaiting("an OOM alert",
 * Duration.ofSeconds(90)).every(Duration.ofMillis(500)).withDetail(up::transcript).value(probe,
 * accepted)} also sets the poll interval and appends a detail (a process's output, say) to the
 * failure message.
 */
public final class Await {

  /** The poll interval unless one is given. */
  public static final Duration DEFAULT_POLL = Duration.ofMillis(50);

  /** How much of the last value's description a failure message shows. */
  static final int MAX_DESCRIPTION = 2000;

  private Await() {}

  /** Polls {@code condition} until it is true. */
  public static void until(String what, Duration timeout, Callable<Boolean> condition) {
    awaiting(what, timeout).until(condition);
  }

  /** Polls {@code condition} every {@code poll} until it is true. */
  public static void until(
      String what, Duration timeout, Duration poll, Callable<Boolean> condition) {
    awaiting(what, timeout).every(poll).until(condition);
  }

  /** Polls {@code probe} until it yields a value, and returns it. */
  public static <T> T present(String what, Duration timeout, Callable<Optional<T>> probe) {
    return awaiting(what, timeout).present(probe);
  }

  /**
   * Polls {@code probe} every {@code poll} until {@code accepted} holds for its value, and returns
   * that value. An exception thrown by the probe counts as "not yet" and is reported on timeout.
   */
  public static <T> T value(
      String what, Duration timeout, Duration poll, Callable<T> probe, Predicate<T> accepted) {
    return awaiting(what, timeout).every(poll).value(probe, accepted);
  }

  /** A wait for {@code what}, at most {@code timeout}, polled every {@link #DEFAULT_POLL}. */
  public static Waiting awaiting(String what, Duration timeout) {
    return new Waiting(what, timeout, DEFAULT_POLL, null);
  }

  /** What to await, how long and how often; immutable. */
  public static final class Waiting {
    private final String what;
    private final Duration timeout;
    private final Duration poll;
    private final Supplier<String> detail;

    private Waiting(String what, Duration timeout, Duration poll, Supplier<String> detail) {
      this.what = Objects.requireNonNull(what, "what");
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      this.poll = Objects.requireNonNull(poll, "poll");
      this.detail = detail;
    }

    /** Polls every {@code poll} instead. */
    public Waiting every(Duration poll) {
      return new Waiting(what, timeout, poll, detail);
    }

    /**
     * Appends {@code detail}, asked for only on timeout, to the failure message: a process's
     * output, say.
     */
    public Waiting withDetail(Supplier<String> detail) {
      return new Waiting(what, timeout, poll, Objects.requireNonNull(detail, "detail"));
    }

    /** Polls {@code condition} until it is true. */
    public void until(Callable<Boolean> condition) {
      value(condition, Boolean.TRUE::equals);
    }

    /** Polls {@code probe} until it yields a value, and returns it. */
    public <T> T present(Callable<Optional<T>> probe) {
      return value(probe, Optional::isPresent).orElseThrow();
    }

    /**
     * Polls {@code probe} until {@code accepted} holds for its value, and returns that value. An
     * exception or assertion error thrown by the probe counts as "not yet" and is reported on
     * timeout.
     */
    public <T> T value(Callable<T> probe, Predicate<? super T> accepted) {
      return value(probe, accepted, String::valueOf);
    }

    /**
     * As {@link #value(Callable, Predicate)}, with the last value described on timeout by {@code
     * describe} (an HTTP response's status and body rather than its {@code toString}, say).
     */
    public <T> T value(
        Callable<T> probe, Predicate<? super T> accepted, Function<? super T, String> describe) {
      long deadline = System.nanoTime() + timeout.toNanos();
      Supplier<String> last = () -> "nothing was seen";
      while (true) {
        try {
          T value = probe.call();
          if (accepted.test(value)) {
            return value;
          }
          last = () -> "the last value was " + shorten(describe.apply(value));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while awaiting " + what, e);
        } catch (Exception | AssertionError e) {
          Throwable seen = e;
          last = () -> "the last attempt failed: " + shorten(seen.toString());
        }
        if (System.nanoTime() - deadline >= 0) {
          throw new AssertionError(
              "timed out after "
                  + timeout.toMillis()
                  + " ms awaiting "
                  + what
                  + "; "
                  + last.get()
                  + detail());
        }
        try {
          Thread.sleep(Math.max(1, poll.toMillis()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while awaiting " + what, e);
        }
      }
    }

    private String detail() {
      if (detail == null) {
        return "";
      }
      try {
        return "; " + detail.get();
      } catch (RuntimeException e) {
        return "; (the detail failed: " + e + ")";
      }
    }
  }

  static String shorten(String description) {
    if (description.length() <= MAX_DESCRIPTION) {
      return description;
    }
    return description.substring(0, MAX_DESCRIPTION)
        + "... ("
        + (description.length() - MAX_DESCRIPTION)
        + " more characters)";
  }
}
