package io.porthole.controller.view;

import io.porthole.proto.Alert;
import io.porthole.wire.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The alerts seen, the newest version per alert id (an episode's alert is republished as it grows).
 * Bounded: the least recently updated alert is evicted beyond the capacity.
 *
 * <p>Queries are the controller's hot path: the alerts are kept ordered newest first, so a query
 * walks only as far as its limit needs, and each version's JSON is rendered at most once, when a
 * query or the live stream first needs it ({@link RenderedAlert}).
 */
public final class AlertsView {

  /** An alert version with its sort key. */
  private record Indexed(RenderedAlert rendered, Instant newest) {
    Alert alert() {
      return rendered.alert();
    }
  }

  private static final Comparator<Indexed> NEWEST_FIRST =
      Comparator.comparing(Indexed::newest)
          .reversed()
          .thenComparing(indexed -> indexed.alert().getAlertId());

  private final RecencyMap<String, Indexed> alerts;
  private final TreeSet<Indexed> ordered = new TreeSet<>(NEWEST_FIRST);
  private long version;

  public AlertsView(int maxAlerts) {
    this.alerts = new RecencyMap<>(maxAlerts);
  }

  /**
   * Keeps the alert unless a newer version of it is known already.
   *
   * @return the version kept (its JSON not rendered yet), or empty when the view did not change
   */
  public synchronized Optional<RenderedAlert> onAlert(Alert alert) {
    if (alert.getAlertId().isEmpty()) {
      return Optional.empty();
    }
    Indexed known = alerts.get(alert.getAlertId());
    if (known != null && versionOf(alert).isBefore(versionOf(known.alert()))) {
      return Optional.empty();
    }
    Indexed indexed = new Indexed(new RenderedAlert(alert), newestTime(alert));
    if (known != null) {
      ordered.remove(known);
    }
    Map.Entry<String, Indexed> evicted = alerts.put(alert.getAlertId(), indexed);
    if (evicted != null) {
      ordered.remove(evicted.getValue());
    }
    ordered.add(indexed);
    version++;
    return Optional.of(indexed.rendered());
  }

  /**
   * A number that changes whenever the view does (an alert arrives, is updated or is evicted), so
   * that what was computed from a query can be reused while it stays the same.
   */
  public synchronized long version() {
    return version;
  }

  /** The matching alerts, newest (by last seen) first, at most {@code query.limit()}. */
  public List<Alert> query(AlertQuery query) {
    return select(query, Indexed::alert);
  }

  /**
   * The same selection as {@link #query}, as each alert's JSON in the protobuf JSON mapping
   * (rendered outside the view's lock, each version once).
   */
  public List<String> queryJson(AlertQuery query) {
    List<RenderedAlert> selected = select(query, Indexed::rendered);
    List<String> json = new ArrayList<>(selected.size());
    for (RenderedAlert rendered : selected) {
      json.add(rendered.json());
    }
    return json;
  }

  private synchronized <T> List<T> select(AlertQuery query, Function<Indexed, T> part) {
    List<T> result = new ArrayList<>(Math.min(query.limit(), ordered.size()));
    for (Indexed indexed : ordered) {
      if (result.size() >= query.limit()) {
        break;
      }
      if (query.matches(indexed.alert())) {
        result.add(part.apply(indexed));
      }
    }
    return result;
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
  private static Instant versionOf(Alert alert) {
    return alert.hasPublishedAt()
        ? Timestamps.toInstant(alert.getPublishedAt())
        : newestTime(alert);
  }
}
