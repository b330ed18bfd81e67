package io.porthole.collector.remediation;

import static io.porthole.proto.RemediationStatus.FAILED;
import static io.porthole.proto.RemediationStatus.REJECTED;
import static io.porthole.proto.RemediationStatus.SUCCEEDED;

import com.google.protobuf.ByteString;
import io.porthole.proto.ArtifactChunk;
import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import io.porthole.runtime.security.CommandSigner;
import io.porthole.wire.Timestamps;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the results of this host's commands: final results, artifact chunks, failures, follow-ups.
 */
final class ResultFactory {

  private static final Logger LOG = LoggerFactory.getLogger(ResultFactory.class);

  private final String hostId;
  private final Clock clock;

  ResultFactory(String hostId, Clock clock) {
    this.hostId = Objects.requireNonNull(hostId, "hostId");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  Instant now() {
    return clock.instant();
  }

  Clock clock() {
    return clock;
  }

  /**
   * A result bound to the very command it answers: its SHA-256 and requester, without which the
   * controller ignores the result. Every result of this host is built here, so every one is bound.
   */
  RemediationResult.Builder result(
      RemediationCommand command, Instant started, RemediationStatus status, String detail) {
    return unbound(command, started, status, detail)
        .setCommandSha256(ByteString.copyFrom(CommandSigner.digest(command)))
        .setRequestedBy(command.getRequestedBy());
  }

  private RemediationResult.Builder unbound(
      RemediationCommand command, Instant started, RemediationStatus status, String detail) {
    return RemediationResult.newBuilder()
        .setCommandId(command.getCommandId())
        .setAction(command.getAction())
        .setHostId(hostId)
        .setContainerId(command.getContainerId())
        .setStatus(status)
        .setDetail(detail)
        .setStartedAt(Timestamps.of(started))
        .setFinishedAt(Timestamps.of(clock.instant()))
        .setDryRun(command.getDryRun());
  }

  List<RemediationResult> succeeded(RemediationCommand command, Instant started, String detail) {
    return List.of(result(command, started, SUCCEEDED, detail).build());
  }

  /**
   * The answer to a dry run of an action on a container's interfaces: SUCCEEDED, naming the host
   * interfaces it would touch; {@code detail} says what would have been done and that nothing was.
   */
  Future<List<RemediationResult>> dryRun(
      RemediationCommand command, Instant started, NetworkVerdict network, String detail) {
    return Future.succeededFuture(
        List.of(
            result(command, started, SUCCEEDED, "dry run: " + detail)
                .setInterface(network.hostInterfaces())
                .build()));
  }

  /** One SUCCEEDED result per chunk, each carrying the detail. */
  List<RemediationResult> artifact(
      RemediationCommand command,
      Instant started,
      String detail,
      String hostInterfaces,
      List<ArtifactChunk> chunks) {
    RemediationResult.Builder base =
        result(command, started, SUCCEEDED, detail).setInterface(hostInterfaces);
    return chunks.stream().map(chunk -> base.clone().setArtifact(chunk).build()).toList();
  }

  /** A refusal is REJECTED, anything else FAILED; unexpected errors are logged with their trace. */
  RemediationResult failure(RemediationCommand command, Instant started, Throwable e) {
    if (e instanceof RemediationRefused) {
      return result(command, started, REJECTED, e.getMessage()).build();
    }
    if (!(e instanceof RemediationFailed)) {
      LOG.warn("command {} ({}) failed", command.getCommandId(), command.getAction(), e);
    }
    return result(
            command,
            started,
            FAILED,
            e instanceof RemediationFailed ? e.getMessage() : e.toString())
        .build();
  }

  /**
   * A later event of a command that already has its final result: the status says how this event
   * went, {@code follow_up} what happened; it never changes the command's own status.
   */
  RemediationResult.Builder followUp(
      ActiveIsolation isolation, RemediationStatus status, String followUp) {
    RemediationCommand command =
        RemediationCommand.newBuilder()
            .setCommandId(isolation.commandId())
            .setAction(RemediationAction.ISOLATE_NETWORK)
            .setContainerId(isolation.containerId())
            .build();
    RemediationResult.Builder result =
        unbound(command, clock.instant(), status, followUp).setFollowUp(followUp);
    if (isolation.commandSha256() != null) {
      result.setCommandSha256(
          ByteString.copyFrom(HexFormat.of().parseHex(isolation.commandSha256())));
    }
    if (isolation.requestedBy() != null) {
      result.setRequestedBy(isolation.requestedBy());
    }
    return result;
  }
}
