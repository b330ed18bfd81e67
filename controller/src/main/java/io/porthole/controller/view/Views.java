package io.porthole.controller.view;

import com.google.protobuf.InvalidProtocolBufferException;
import io.porthole.controller.ControllerConfig;
import io.porthole.proto.Alert;
import io.porthole.proto.CollectorHeartbeat;
import io.porthole.proto.EventEnvelope;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.wire.Timestamps;
import io.porthole.wire.Topic;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's views, and how one record of each topic changes them. Everything here is rebuilt
 * from the topics at every start: the controller keeps no state that Kafka does not have.
 */
public record Views(
    HostsView hosts, ContainersView containers, AlertsView alerts, RemediationsView remediations) {

  /** The topics the views are built from. */
  public static final Set<Topic> TOPICS =
      EnumSet.of(Topic.CONTAINER_EVENTS, Topic.HEARTBEATS, Topic.ALERTS, Topic.COMMANDS, Topic.COMMAND_RESULTS);

  public Views {
    Objects.requireNonNull(hosts, "hosts");
    Objects.requireNonNull(containers, "containers");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(remediations, "remediations");
  }

  public static Views create(ControllerConfig.ViewBounds bounds) {
    return new Views(
        new HostsView(bounds.maxHosts()),
        new ContainersView(bounds.maxContainers()),
        new AlertsView(bounds.maxAlerts()),
        new RemediationsView(bounds.maxRemediations(), bounds.maxArtifactBytes()));
  }

  /**
   * Applies one record's value.
   *
   * @return the alert, when the record was an alert that changed the alerts view (for live streams)
   * @throws InvalidProtocolBufferException when the bytes are not a message of the topic
   */
  public Optional<Alert> apply(Topic topic, byte[] value) throws InvalidProtocolBufferException {
    if (value == null) {
      return Optional.empty();
    }
    switch (topic) {
      case CONTAINER_EVENTS -> onContainerEvent(EventEnvelope.parseFrom(value));
      case HEARTBEATS -> hosts.onHeartbeat(CollectorHeartbeat.parseFrom(value));
      case ALERTS -> {
        Alert alert = Alert.parseFrom(value);
        return alerts.onAlert(alert) ? Optional.of(alert) : Optional.empty();
      }
      case COMMANDS -> remediations.onCommand(RemediationCommand.parseFrom(value));
      case COMMAND_RESULTS -> onResult(RemediationResult.parseFrom(value));
      default -> {
        // not a topic the views are built from
      }
    }
    return Optional.empty();
  }

  /** A command this controller just issued (acknowledged by Kafka), before it is read back. */
  public void onIssued(RemediationCommand command) {
    remediations.onCommand(command);
  }

  private void onContainerEvent(EventEnvelope envelope) {
    if (!envelope.hasContainerEvent()) {
      return;
    }
    containers.onEvent(envelope);
    hosts.onContainerEvent(envelope.getHostId(), envelope.hasTime() ? Timestamps.toInstant(envelope.getTime()) : null);
  }

  private void onResult(RemediationResult result) {
    remediations.onResult(result);
    if (result.getStatus() != RemediationStatus.SUCCEEDED || result.getDryRun()) {
      return;
    }
    Instant at = result.hasFinishedAt() ? Timestamps.toInstant(result.getFinishedAt()) : Instant.now();
    if (result.getAction() == RemediationAction.ISOLATE_NETWORK) {
      Instant restoreAt = result.hasRestoreAt() ? Timestamps.toInstant(result.getRestoreAt()) : null;
      containers.onIsolationChange(
          result.getHostId(), result.getContainerId(), true, result.getInterface(), at, restoreAt, result.getCommandId());
    } else if (result.getAction() == RemediationAction.RESTORE_NETWORK) {
      containers.onIsolationChange(
          result.getHostId(), result.getContainerId(), false, result.getInterface(), at, null, result.getCommandId());
    }
  }
}
