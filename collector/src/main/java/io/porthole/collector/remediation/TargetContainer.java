package io.porthole.collector.remediation;

/**
 * The container a command acts on, as found on this host.
 *
 * @param pid host pid of its main process (0 when not running)
 * @param networkMode HostConfig.NetworkMode ({@code host}, {@code container:ID}, {@code bridge}, a network name)
 */
public record TargetContainer(String id, String name, int pid, String networkMode) {

  public boolean running() {
    return pid > 0;
  }

  public boolean sharesHostNetwork() {
    return "host".equals(networkMode);
  }

  public boolean sharesAnotherContainersNetwork() {
    return networkMode != null && networkMode.startsWith("container:");
  }

  public String label() {
    return name.isEmpty() ? id.substring(0, Math.min(12, id.length())) : name;
  }
}
