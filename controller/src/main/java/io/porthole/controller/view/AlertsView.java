package io.porthole.controller.view;

import io.porthole.proto.Alert;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The alerts seen, the newest version per alert id (an episode's alert is republished as it grows).
 * Bounded: the least recently updated alert is evicted beyond the capacity.
 */
public final class AlertsView {

  private static final Comparator<Alert> NEWEST_FIRST =
      Comparator.comparing(AlertsView::newestTime)
          .reversed()
          .thenComparing(Alert::getAlertId);

  private final RecencyMap<String, Alert> alerts;

  public AlertsView(int maxAlerts) {
    this.alerts = new RecencyMap<>(maxAlerts);
  }

  /**
   * Keeps the alert unless a newer version of it is known already.
   *
   * @return whether the view changed
   */
  public synchronized boolean onAlert(Alert alert) {
    if (alert.getAlertId().isEmpty()) {
      return false;
    }
    Alert known = alerts.get(alert.getAlertId());
    if (known != null && version(alert).isBefore(version(known))) {
      return false;
    }
    alerts.put(alert.getAlertId(), alert);
    return true;
  }

  /** The matching alerts, newest (by last seen) first, at most {@code query.limit()}. */
  public synchronized List<Alert> query(AlertQuery query) {
    return alerts.values().stream()
        .filter(query::matches)
        .sorted(NEWEST_FIRST)
        .limit(query.limit())
        .toList();
  }

  public synchronized int size() {
    return alerts.size();
  }

  /** When the alert's episode was last seen (or, lacking that, published). */
  static Instant newestTime(Alert alert) {
    if (alert.hasLastSeen()) {
      return Timestamps.toInstant(alert.getLastSeen());
    }
    return alert.hasPublishedAt() ? Timestamps.toInstant(alert.getPublishedAt()) : Instant.EPOCH;
  }

  /** Which of two versions of one alert is newer: publication time, then last seen. */
  private static Instant version(Alert alert) {
    return alert.hasPublishedAt() ? Timestamps.toInstant(alert.getPublishedAt()) : newestTime(alert);
  }
}
