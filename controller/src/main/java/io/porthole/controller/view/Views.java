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
import io.porthole.runtime.security.CommandVerifier;
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
      EnumSet.of(
          Topic.CONTAINER_EVENTS,
          Topic.HEARTBEATS,
          Topic.ALERTS,
          Topic.COMMANDS,
          Topic.COMMAND_RESULTS);

  public Views {
    Objects.requireNonNull(hosts, "hosts");
    Objects.requireNonNull(containers, "containers");
    Objects.requireNonNull(alerts, "alerts");
    Objects.requireNonNull(remediations, "remediations");
  }

  /**
   * @param issuedCommands the keys of this controller's commands (others on the topic are not
   *     remediations)
   */
  public static Views create(ControllerConfig.ViewBounds bounds, CommandVerifier issuedCommands) {
    return new Views(
        new HostsView(bounds.maxHosts()),
        new ContainersView(bounds.maxContainers()),
        new AlertsView(bounds.maxAlerts()),
        new RemediationsView(
            issuedCommands,
            bounds.maxRemediations(),
            bounds.maxArtifactBytes(),
            bounds.maxOneArtifactBytes()));
  }

  /**
   * Applies one record's value.
   *
   * @return the alert version, when the record was an alert that changed the alerts view (for live
   *     streams)
   * @throws InvalidProtocolBufferException when the bytes are not a message of the topic
   */
  public Optional<RenderedAlert> apply(Topic topic, byte[] value)
      throws InvalidProtocolBufferException {
    if (value == null) {
      return Optional.empty();
    }
    switch (topic) {
      case CONTAINER_EVENTS -> onContainerEvent(EventEnvelope.parseFrom(value));
      case HEARTBEATS -> hosts.onHeartbeat(CollectorHeartbeat.parseFrom(value));
      case ALERTS -> {
        return alerts.onAlert(Alert.parseFrom(value));
      }
      case COMMANDS ->
          remediations.onCommand(RemediationCommand.parseFrom(value)).forEach(this::applyAccepted);
      case COMMAND_RESULTS -> onResult(RemediationResult.parseFrom(value));
      default -> {
        // not a topic the views are built from
      }
    }
    return Optional.empty();
  }

  /**
   * A command this controller is issuing, before it is written (so that no result can precede it).
   */
  public void onIssued(RemediationCommand command) {
    remediations.onCommand(command).forEach(this::applyAccepted);
  }

  /** Every topic was read to its end once. */
  public void onCaughtUp() {
    remediations.onCaughtUp();
  }

  private void onContainerEvent(EventEnvelope envelope) {
    if (!envelope.hasContainerEvent()) {
      return;
    }
    containers.onEvent(envelope);
    hosts.onContainerEvent(
        envelope.getHostId(), envelope.hasTime() ? Timestamps.toInstant(envelope.getTime()) : null);
  }

  private void onResult(RemediationResult result) {
    // Only the accepted final result of a command changes what the containers view says.
    RemediationsView.Outcome outcome = remediations.onResult(result);
    if (outcome == RemediationsView.Outcome.FINAL) {
      applyFinalResult(result);
      remediations.releaseWaitingOn(result).forEach(this::applyAccepted);
    } else if (outcome == RemediationsView.Outcome.FOLLOW_UP) {
      applyFollowUp(result);
    }
  }

  /** A held result released by its command: a final result or a follow-up. */
  private void applyAccepted(RemediationResult result) {
    if (result.getFollowUp().isEmpty()) {
      applyFinalResult(result);
    } else {
      applyFollowUp(result);
    }
  }

  /**
   * What an accepted follow-up of an isolation changes in the containers view: the container
   * started again under it and was re-isolated (SUCCEEDED), or could not be yet (FAILED: not
   * enforced).
   */
  private void applyFollowUp(RemediationResult result) {
    if (result.getAction() != RemediationAction.ISOLATE_NETWORK || result.getDryRun()) {
      return;
    }
    boolean reisolated = result.getStatus() == RemediationStatus.SUCCEEDED;
    if (!reisolated && result.getStatus() != RemediationStatus.FAILED) {
      return;
    }
    Instant at =
        result.hasFinishedAt() ? Timestamps.toInstant(result.getFinishedAt()) : Instant.now();
    containers.onIsolationFollowUp(
        result.getHostId(),
        result.getContainerId(),
        result.getCommandId(),
        reisolated,
        result.getInterface(),
        at,
        result.hasRestoreAt() ? Timestamps.toInstant(result.getRestoreAt()) : null,
        result.getFollowUp());
  }

  /**
   * What an accepted final result changes in the containers view (also one held until its command).
   */
  private void applyFinalResult(RemediationResult result) {
    if (result.getStatus() != RemediationStatus.SUCCEEDED || result.getDryRun()) {
      return;
    }
    Instant at =
        result.hasFinishedAt() ? Timestamps.toInstant(result.getFinishedAt()) : Instant.now();
    if (result.getAction() == RemediationAction.ISOLATE_NETWORK) {
      Instant restoreAt =
          result.hasRestoreAt() ? Timestamps.toInstant(result.getRestoreAt()) : null;
      containers.onIsolationChange(
          result.getHostId(),
          result.getContainerId(),
          true,
          result.getInterface(),
          at,
          restoreAt,
          result.getCommandId());
    } else if (result.getAction() == RemediationAction.RESTORE_NETWORK) {
      containers.onIsolationChange(
          result.getHostId(),
          result.getContainerId(),
          false,
          result.getInterface(),
          at,
          null,
          result.getCommandId());
    }
  }
}
