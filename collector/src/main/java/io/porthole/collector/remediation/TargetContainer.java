package io.porthole.collector.remediation;

import io.porthole.wire.NetworkMode;

/**
 * The container a command acts on, as found on this host.
 *
 * @param pid host pid of its main process (0 when not running)
 */
public record TargetContainer(String id, String name, int pid, NetworkMode networkMode) {

  public boolean running() {
    return pid > 0;
  }

  public String label() {
    return name.isEmpty() ? id.substring(0, Math.min(12, id.length())) : name;
  }
}
