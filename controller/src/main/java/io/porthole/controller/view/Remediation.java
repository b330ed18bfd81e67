package io.porthole.controller.view;

import io.porthole.proto.RemediationAction;
import io.porthole.proto.RemediationCommand;
import io.porthole.proto.RemediationResult;
import io.porthole.proto.RemediationStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One remediation as the controller sees it: the command issued, the newest accepted result and the
 * later events of the command (follow-ups such as a re-isolation after a restart).
 *
 * @param command the signed command, or null when only a result has been read so far
 * @param latestResult the newest result, or null while none arrived (status PENDING)
 * @param artifact what is known of the returned artifact, or null when none
 * @param events follow-ups after the final result, oldest first (bounded)
 */
public record Remediation(
    String id,
    RemediationCommand command,
    RemediationStatus status,
    RemediationResult latestResult,
    ArtifactInfo artifact,
    List<Event> events) {

  public Remediation {
    events = events == null ? List.of() : List.copyOf(events);
  }

  /** A later event of the command; it never changes the status. */
  public record Event(Instant time, String hostId, String detail) {}

  /**
   * @param chunksReceived distinct chunks held
   * @param evicted the bytes were dropped to bound memory (or never kept: larger than the bound)
   */
  public record ArtifactInfo(
      String fileName,
      String contentType,
      long totalSize,
      String sha256,
      int chunksReceived,
      int chunksTotal,
      boolean evicted) {

    public boolean complete() {
      return !evicted && chunksTotal > 0 && chunksReceived == chunksTotal;
    }
  }

  public RemediationAction action() {
    if (command != null) {
      return command.getAction();
    }
    return latestResult == null
        ? RemediationAction.REMEDIATION_ACTION_UNSPECIFIED
        : latestResult.getAction();
  }

  public Optional<RemediationResult> result() {
    return Optional.ofNullable(latestResult);
  }

  public boolean finished() {
    return status == RemediationStatus.SUCCEEDED
        || status == RemediationStatus.FAILED
        || status == RemediationStatus.REJECTED;
  }
}
