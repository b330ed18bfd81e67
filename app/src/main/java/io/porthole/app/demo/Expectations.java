package io.porthole.app.demo;

import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The alerts the demo waits for: a rule on a container, each with a deadline counted from when its
 * container started. Thread-safe; plain Java.
 */
final class Expectations {

  /** One expected alert. */
  static final class Expected {
    final String scenario;
    final Rule rule;
    final String containerId;
    final long startedNanos;
    final long deadlineNanos;
    volatile Alert alert;
    volatile long arrivedNanos;

    Expected(String scenario, Rule rule, String containerId, long startedNanos, Duration limit) {
      this.scenario = scenario;
      this.rule = rule;
      this.containerId = containerId;
      this.startedNanos = startedNanos;
      this.deadlineNanos = startedNanos + limit.toNanos();
    }

    boolean arrived() {
      return alert != null;
    }

    Duration latency() {
      return Duration.ofNanos(arrivedNanos - startedNanos);
    }

    String describe() {
      return scenario
          + " "
          + rule
          + " for container "
          + containerId.substring(0, Math.min(12, containerId.length()));
    }
  }

  private record Early(Alert alert, long arrivedNanos) {}

  private final List<Expected> expected = new ArrayList<>();

  /**
   * Alerts that matched nothing yet: one may arrive before the demo has registered what it waits
   * for.
   */
  private final List<Early> unmatched = new ArrayList<>();

  synchronized Expected expect(
      String scenario, Rule rule, String containerId, long startedNanos, Duration limit) {
    Expected e = new Expected(scenario, rule, containerId, startedNanos, limit);
    expected.add(e);
    for (Early early : unmatched) {
      if (matches(e, early.alert())) {
        e.alert = early.alert();
        e.arrivedNanos = early.arrivedNanos();
        unmatched.remove(early);
        break;
      }
    }
    notifyAll();
    return e;
  }

  /** Records an alert; returns the expectation it fulfils first, if any. */
  synchronized Optional<Expected> offer(Alert alert, long nowNanos) {
    for (Expected e : expected) {
      if (matches(e, alert)) {
        e.alert = alert;
        e.arrivedNanos = nowNanos;
        notifyAll();
        return Optional.of(e);
      }
    }
    unmatched.add(new Early(alert, nowNanos));
    return Optional.empty();
  }

  private static boolean matches(Expected e, Alert alert) {
    return !e.arrived()
        && e.rule == alert.getRule()
        && e.containerId.equals(alert.getContainerId());
  }

  /** Waits until every expectation has arrived or passed its deadline. */
  synchronized void awaitAll() throws InterruptedException {
    while (true) {
      long now = System.nanoTime();
      long nextDeadline = Long.MAX_VALUE;
      boolean waiting = false;
      for (Expected e : expected) {
        if (!e.arrived() && e.deadlineNanos > now) {
          waiting = true;
          nextDeadline = Math.min(nextDeadline, e.deadlineNanos);
        }
      }
      if (!waiting) {
        return;
      }
      long waitMs = Math.max(1, (nextDeadline - now) / 1_000_000);
      wait(Math.min(waitMs, 500));
    }
  }

  synchronized List<Expected> all() {
    return List.copyOf(expected);
  }

  /** Missing: not arrived, or arrived after its deadline. */
  synchronized List<Expected> missing() {
    return expected.stream().filter(e -> !e.arrived() || e.arrivedNanos > e.deadlineNanos).toList();
  }
}
