package io.porthole.runtime.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Whether a service is making progress, as named checks (connected to the engine, consuming,
 * producing, views caught up): ready when every check is. Checks are cheap reads of state the
 * components keep anyway; they run on the HTTP server's event loop and must not block.
 */
public final class Readiness {

  /** One check's answer: ready or not, and a short text for people. */
  public record Status(boolean ready, String detail) {
    public Status {
      Objects.requireNonNull(detail, "detail");
    }

    public static Status ready(String detail) {
      return new Status(true, detail);
    }

    public static Status notReady(String detail) {
      return new Status(false, detail);
    }
  }

  /** Every check's status, by name, in the order added, and the overall answer. */
  public record Report(boolean ready, Map<String, Status> checks) {}

  private record Check(String name, Supplier<Status> status) {}

  private final CopyOnWriteArrayList<Check> checks = new CopyOnWriteArrayList<>();

  /** Adds a check; a name used twice (two collectors in one process) gets a numbered suffix. */
  public Readiness add(String name, Supplier<Status> status) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    String unique = name;
    for (int n = 2; contains(unique); n++) {
      unique = name + "-" + n;
    }
    checks.add(new Check(unique, status));
    return this;
  }

  public Report evaluate() {
    Map<String, Status> statuses = new LinkedHashMap<>();
    boolean ready = true;
    for (Check check : checks) {
      Status status;
      try {
        status = Objects.requireNonNull(check.status().get(), "status");
      } catch (RuntimeException e) {
        status = Status.notReady("check failed: " + e);
      }
      statuses.put(check.name(), status);
      ready &= status.ready();
    }
    return new Report(ready, statuses);
  }

  private boolean contains(String name) {
    return checks.stream().anyMatch(c -> c.name().equals(name));
  }
}
