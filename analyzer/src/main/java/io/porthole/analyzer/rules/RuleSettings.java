package io.porthole.analyzer.rules;

import io.porthole.proto.Severity;

/** What every rule's configuration has: whether it runs and the severity of its alerts. */
public record RuleSettings(boolean enabled, Severity severity) {

  public RuleSettings {
    if (severity == null
        || severity == Severity.SEVERITY_UNSPECIFIED
        || severity == Severity.UNRECOGNIZED) {
      throw new IllegalArgumentException(
          "severity must be one of INFO, LOW, MEDIUM, HIGH, CRITICAL");
    }
  }

  public static RuleSettings enabled(Severity severity) {
    return new RuleSettings(true, severity);
  }
}
