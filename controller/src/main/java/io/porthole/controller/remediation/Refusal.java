package io.porthole.controller.remediation;

import java.util.Objects;

/**
 * A remediation the planner will not issue: what kind of refusal it is, a stable code and a message
 * naming what was wrong. The HTTP layer maps the kind to a status; the planner knows none.
 *
 * @param kind why it is refused
 * @param code a stable code for clients ({@code CONTAINER_NOT_FOUND})
 * @param message what was wrong, naming the field or the target
 */
public record Refusal(Kind kind, String code, String message) implements PlanResult {

  /** The kinds of refusal. */
  public enum Kind {
    /** The request itself is wrong (a field missing, out of range, not allowed for the action). */
    INVALID,
    /** The container or host it names is not known. */
    NOT_FOUND,
    /** It cannot be done safely or unambiguously in the current state of the target. */
    CONFLICT
  }

  public static final String INVALID_REQUEST = "INVALID_REQUEST";

  public Refusal {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** A wrong field: {@code field: problem}. */
  public static Refusal invalid(String field, String problem) {
    return new Refusal(Kind.INVALID, INVALID_REQUEST, field + ": " + problem);
  }

  public static Refusal notFound(String code, String message) {
    return new Refusal(Kind.NOT_FOUND, code, message);
  }

  public static Refusal conflict(String code, String message) {
    return new Refusal(Kind.CONFLICT, code, message);
  }
}
