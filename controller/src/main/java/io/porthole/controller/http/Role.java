package io.porthole.controller.http;

import java.util.Locale;

/** What a bearer token may do. */
public enum Role {
  /** Read hosts, containers, alerts and remediations. */
  VIEWER,
  /** Also create remediations. */
  OPERATOR;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
