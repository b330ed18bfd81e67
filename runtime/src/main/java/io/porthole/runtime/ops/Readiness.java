package io.porthole.runtime.ops;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether a process is making progress: named checks (for example {@code collector.docker.events}
 * "connected", {@code analyzer.consuming} "polled 0.4 s ago"), each a probe asked at every request
 * of {@code /health/ready}. The process is ready when at least one check is registered and every
 * check is ready; no check at all means its services have not started yet.
 *
 * <p>One instance per Vert.x instance ({@link #of(Vertx)}), so that in {@code porthole up} the
 * controller's endpoint answers for every service of the process. Any thread.
 */
public final class Readiness implements Shareable {

  private static final String KEY = "readiness";

  /** What a probe says: ready or not, and a short phrase for operators. */
  public record Status(boolean ready, String detail) {
    public Status {
      Objects.requireNonNull(detail, "detail");
    }

    public static Status up(String detail) {
      return new Status(true, detail);
    }

    public static Status down(String detail) {
      return new Status(false, detail);
    }
  }

  /** One check's answer, by name. */
  public record Check(String name, boolean ready, String detail) {}

  /** The answers of every check at one moment. */
  public record Report(boolean ready, List<Check> checks) {
    /** {@code {"status":"UP","checks":{"name":"detail",...}}}, the controller's Health schema. */
    public JsonObject toJson() {
      JsonObject byName = new JsonObject();
      checks.forEach(c -> byName.put(c.name(), c.detail()));
      return new JsonObject().put("status", ready ? "UP" : "DOWN").put("checks", byName);
    }
  }

  private final Map<String, Supplier<Status>> probes = new ConcurrentSkipListMap<>();

  /** The readiness of the services on this Vert.x instance (created on first use). */
  public static Readiness of(Vertx vertx) {
    LocalMap<String, Readiness> map =
        vertx.sharedData().getLocalMap(PortholeMetrics.SHARED_MAP + ".readiness");
    synchronized (Readiness.class) {
      Readiness existing = map.get(KEY);
      if (existing == null) {
        existing = new Readiness();
        map.put(KEY, existing);
      }
      return existing;
    }
  }

  /** Adds (or replaces) the check {@code name}. */
  public Readiness register(String name, Supplier<Status> probe) {
    probes.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(probe, "probe"));
    return this;
  }

  /** Removes the check {@code name} (a service that stopped). */
  public void unregister(String name) {
    probes.remove(name);
  }

  /** Asks every probe; a probe that throws counts as not ready, with its exception as detail. */
  public Report report() {
    List<Check> checks = new ArrayList<>(probes.size());
    boolean ready = !probes.isEmpty();
    for (Map.Entry<String, Supplier<Status>> probe : probes.entrySet()) {
      Status status;
      try {
        status = probe.getValue().get();
      } catch (RuntimeException e) {
        status = Status.down("check failed: " + e);
      }
      checks.add(new Check(probe.getKey(), status.ready(), status.detail()));
      ready &= status.ready();
    }
    if (probes.isEmpty()) {
      checks.add(new Check("services", false, "no service has started yet"));
    }
    return new Report(ready, List.copyOf(checks));
  }

  /**
   * A progress check: ready when the last progress (a {@link System#nanoTime()} value, or {@code
   * -1} for never) is at most {@code within} ago. {@code what} names the progress ("polled", "event
   * received").
   */
  public static Supplier<Status> recent(
      String what, LongSupplier lastNanos, Duration within, LongSupplier clock) {
    Objects.requireNonNull(within, "within");
    return () -> {
      long last = lastNanos.getAsLong();
      if (last < 0) {
        return Status.down("not " + what + " yet");
      }
      long ago = clock.getAsLong() - last;
      String detail = what + " " + seconds(ago) + " s ago";
      return ago <= within.toNanos()
          ? Status.up(detail)
          : Status.down(detail + " (limit " + within.toSeconds() + " s)");
    };
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
  }
}
