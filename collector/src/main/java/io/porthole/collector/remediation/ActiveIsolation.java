package io.porthole.collector.remediation;

import java.util.List;

/**
 * An isolation this collector keeps in force until a RESTORE_NETWORK or its TTL: written before the
 * first link goes down (write-ahead), so that neither a crash nor a container restart loses it.
 *
 * @param commandId the ISOLATE_NETWORK command that set it (follow-up results carry it)
 * @param hostInterfaces the host veths this isolation brought down (RESTORE brings back exactly
 *     those); empty in a record written before the links went down, or by an older collector
 * @param restoreAtEpochMillis when the collector restores by itself, or 0 for no TTL
 * @param commandSha256 hex SHA-256 of that command, which its follow-up results name (the
 *     controller applies a result only to the very command it issued); null in an older record
 * @param requestedBy the name of the token that requested it, copied onto follow-ups
 */
public record ActiveIsolation(
    String containerId,
    String containerName,
    String commandId,
    List<String> hostInterfaces,
    long restoreAtEpochMillis,
    String commandSha256,
    String requestedBy) {

  public ActiveIsolation {
    hostInterfaces = hostInterfaces == null ? List.of() : List.copyOf(hostInterfaces);
  }

  /** A record that does not name its command's digest (an older collector's). */
  public ActiveIsolation(
      String containerId,
      String containerName,
      String commandId,
      List<String> hostInterfaces,
      long restoreAtEpochMillis) {
    this(containerId, containerName, commandId, hostInterfaces, restoreAtEpochMillis, null, null);
  }

  public boolean hasTtl() {
    return restoreAtEpochMillis > 0;
  }

  /** The same isolation, due for restore at {@code epochMillis}. */
  public ActiveIsolation withRestoreAt(long epochMillis) {
    return new ActiveIsolation(
        containerId,
        containerName,
        commandId,
        hostInterfaces,
        epochMillis,
        commandSha256,
        requestedBy);
  }

  public ActiveIsolation withHostInterfaces(List<String> interfaces) {
    return new ActiveIsolation(
        containerId,
        containerName,
        commandId,
        interfaces,
        restoreAtEpochMillis,
        commandSha256,
        requestedBy);
  }
}
