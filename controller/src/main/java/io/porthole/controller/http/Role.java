package io.porthole.controller.http;

/** What a bearer token may do. */
public enum Role {
  /** Read hosts, containers, alerts and remediations. */
  VIEWER,
  /** Also create remediations. */
  OPERATOR;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
