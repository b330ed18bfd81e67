package io.porthole.collector.remediation;

/**
 * An isolation that the collector must undo by itself at {@code restoreAtEpochMillis}.
 *
 * @param commandId the ISOLATE_NETWORK command that set it
 * @param veth the interface brought down (for the record; restore resolves it again)
 */
public record PendingRestore(
    String containerId, String containerName, String commandId, String veth, long restoreAtEpochMillis) {}
