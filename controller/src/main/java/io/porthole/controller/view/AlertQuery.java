package io.porthole.controller.view;

import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import java.time.Instant;

/**
 * A filter over alerts; null fields match everything.
 *
 * @param container a container id (or id prefix) or name
 * @param minSeverity alerts of this severity or worse
 * @param since alerts last seen at or after this time
 * @param limit at most this many, newest first
 */
public record AlertQuery(
    String hostId, String container, Rule rule, Severity minSeverity, Instant since, int limit) {

  public AlertQuery {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
  }

  public static AlertQuery newest(int limit) {
    return new AlertQuery(null, null, null, null, null, limit);
  }

  public boolean matches(Alert alert) {
    if (hostId != null && !alert.getHostId().equals(hostId)) {
      return false;
    }
    if (container != null
        && !alert.getContainerName().equals(container)
        && !(alert.getContainerId().startsWith(container) && !alert.getContainerId().isEmpty())) {
      return false;
    }
    if (rule != null && alert.getRule() != rule) {
      return false;
    }
    if (minSeverity != null && alert.getSeverityValue() < minSeverity.getNumber()) {
      return false;
    }
    return since == null || !AlertsView.newestTime(alert).isBefore(since);
  }
}
