package io.porthole.analyzer.rules;

import io.porthole.analyzer.engine.ContainerState;
import io.porthole.analyzer.engine.HostState;
import io.porthole.proto.Alert;
import io.porthole.proto.Evidence;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import io.porthole.proto.SuggestedRemediation;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Instant;

/**
 * One episode of a rule: the alert it is building, with first/last seen, occurrences and a bounded
 * list of evidence. Every {@link #snapshot()} is a new version of the same alert (same id).
 */
public final class Episode {

  /** Evidence lines kept per alert; later lines only count in occurrences. */
  public static final int MAX_EVIDENCE = 20;

  private final Alert.Builder alert;
  private Instant firstSeen;
  private Instant lastSeen;

  private Episode(Alert.Builder alert) {
    this.alert = alert;
  }

  public static Episode forContainer(
      Rule rule, Severity severity, ContainerState container, String identity) {
    return new Episode(
        Alert.newBuilder()
            .setAlertId(AlertIds.of(rule, container.hostId(), container.containerId(), identity))
            .setRule(rule)
            .setSeverity(severity)
            .setHostId(container.hostId())
            .setContainerId(container.containerId())
            .setContainerName(container.name())
            .setImage(container.image()));
  }

  public static Episode forHost(Rule rule, Severity severity, HostState host, String identity) {
    return new Episode(
        Alert.newBuilder()
            .setAlertId(AlertIds.of(rule, host.hostId(), "", identity))
            .setRule(rule)
            .setSeverity(severity)
            .setHostId(host.hostId()));
  }

  /** One more triggering event at {@code time}. */
  public Episode occurred(Instant time) {
    alert.setOccurrences(alert.getOccurrences() + 1);
    return seen(time);
  }

  /** Widens first/last seen to include {@code time}, without counting an occurrence. */
  public Episode seen(Instant time) {
    if (firstSeen == null || time.isBefore(firstSeen)) {
      firstSeen = time;
      alert.setFirstSeen(Timestamps.of(time));
    }
    if (lastSeen == null || time.isAfter(lastSeen)) {
      lastSeen = time;
      alert.setLastSeen(Timestamps.of(time));
    }
    return this;
  }

  public Episode evidence(Instant time, String description, Topic topic, String eventId) {
    if (alert.getEvidenceCount() < MAX_EVIDENCE) {
      alert.addEvidence(
          Evidence.newBuilder()
              .setTime(Timestamps.of(time))
              .setDescription(description)
              .setTopic(topic.topicName())
              .setEventId(eventId == null ? "" : eventId));
    }
    return this;
  }

  public Episode title(String title) {
    alert.setTitle(title);
    return this;
  }

  public Episode summary(String summary) {
    alert.setSummary(summary);
    return this;
  }

  public Episode severity(Severity severity) {
    alert.setSeverity(severity);
    return this;
  }

  public Episode attribute(String key, String value) {
    alert.putAttributes(key, value);
    return this;
  }

  public Episode remediation(RemediationAction action, String description) {
    alert.setRemediation(
        SuggestedRemediation.newBuilder().setAction(action).setDescription(description));
    return this;
  }

  /** Refreshes container name and image, which later lifecycle events may have told. */
  public Episode container(ContainerState container) {
    alert.setContainerName(container.name()).setImage(container.image());
    return this;
  }

  public String alertId() {
    return alert.getAlertId();
  }

  public int occurrences() {
    return alert.getOccurrences();
  }

  public Instant firstSeen() {
    return firstSeen;
  }

  public Instant lastSeen() {
    return lastSeen;
  }

  /** The current version of the alert. */
  public Alert snapshot() {
    return alert.build();
  }
}
