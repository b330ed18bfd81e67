package io.porthole.analyzer.kafka;

import io.porthole.proto.Alert;
import io.porthole.proto.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Spaces out the versions of one alert: an episode that keeps growing (a container failing to
 * connect a hundred times a second) republished every occurrence, and every version costs a Kafka
 * record, the controller's view and stream, and every webhook. Per alert id:
 *
 * <ul>
 *   <li>the first version is published at once, and so is any version that changes the severity or
 *       the title (what an operator sees in a list);
 *   <li>a version that only adds occurrences, evidence or attributes within {@code interval} of the
 *       last one published is held; a later one replaces it; the newest held version is published
 *       once {@code interval} has passed ({@link #due}) or at stop ({@link #flush}).
 * </ul>
 *
 * <p>A held version loses nothing on a crash: the records behind it are at most {@code interval}
 * old, and the replay window (at least {@code interval}, checked by the configuration) re-reads
 * them after a restart. Plain Java, used by the analysis thread only; the memory is bounded by the
 * alerts published within one interval.
 */
final class AlertUpdateThrottle {

  private static final class Published {
    long atNanos;
    Severity severity;
    String title;
    Alert held;
  }

  private final long intervalNanos;
  private final Map<String, Published> published = new HashMap<>();
  private long skipped;

  AlertUpdateThrottle(Duration interval) {
    this.intervalNanos = interval.toNanos();
  }

  /** The alerts to publish now, in order; the others are held. */
  List<Alert> admit(List<Alert> raised, long nowNanos) {
    if (intervalNanos == 0 || raised.isEmpty()) {
      return raised;
    }
    List<Alert> now = new ArrayList<>(raised.size());
    for (Alert alert : raised) {
      Published last = published.get(alert.getAlertId());
      if (last == null) {
        last = new Published();
        published.put(alert.getAlertId(), last);
      } else if (nowNanos - last.atNanos < intervalNanos
          && last.severity == alert.getSeverity()
          && last.title.equals(alert.getTitle())) {
        if (last.held != null) {
          skipped++;
        }
        last.held = alert;
        continue;
      }
      last.atNanos = nowNanos;
      last.severity = alert.getSeverity();
      last.title = alert.getTitle();
      if (last.held != null) {
        skipped++; // superseded by this one, published now
        last.held = null;
      }
      now.add(alert);
    }
    return now;
  }

  /**
   * The held versions whose interval has passed (to publish now); forgets the alerts quiet for a
   * whole interval, whose next version is then published at once.
   */
  List<Alert> due(long nowNanos) {
    List<Alert> due = new ArrayList<>(0);
    for (Iterator<Published> it = published.values().iterator(); it.hasNext(); ) {
      Published last = it.next();
      if (nowNanos - last.atNanos < intervalNanos) {
        continue;
      }
      if (last.held == null) {
        it.remove();
      } else {
        due.add(last.held);
        last.held = null;
        last.atNanos = nowNanos;
      }
    }
    return due;
  }

  /** Every held version (at stop); the alerts are forgotten. */
  List<Alert> flush() {
    List<Alert> all = new ArrayList<>(0);
    for (Published last : published.values()) {
      if (last.held != null) {
        all.add(last.held);
      }
    }
    published.clear();
    return all;
  }

  /** Forgets everything (the partitions were assigned afresh: their replay republishes). */
  void reset() {
    published.clear();
  }

  /** Versions never published because a newer one replaced them while held. */
  long versionsSkipped() {
    return skipped;
  }
}
